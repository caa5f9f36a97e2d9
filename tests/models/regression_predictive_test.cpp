// The regression posterior predictive (models/regression_predictive): with draws
// from the exact Gaussian posterior of a known-σ linear regression, the predictive
// mean and sd at new rows are the closed-form x*ᵀm and sqrt(x*ᵀΣx* + σ²); equal
// importance weights change nothing; Poisson and Bernoulli moments are the
// likelihood's at a point-mass posterior; bad shapes are DomainErrors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/models/linear_regression.hpp"
#include "elbo/models/regression_predictive.hpp"

namespace elbo::models {
namespace {

constexpr int64_t kPredictiveDraws = 20000;

struct LinearSetup {
  at::Tensor X, y, Xnew;
  double sigma = 0.7;
  GaussianPosterior exact;
  RegressionDraws draws;
};

LinearSetup linear_setup() {
  LinearSetup s;
  auto gen = make_generator(5);
  s.X = at::normal(0.0, 1.0, {40, 3}, gen, torch::kDouble);
  auto w = torch::tensor({0.5, -1.0, 2.0}, torch::kDouble);
  s.y = 1.0 + s.X.matmul(w) + s.sigma * at::normal(0.0, 1.0, {40}, gen, torch::kDouble);
  s.Xnew = at::normal(0.0, 2.0, {5, 3}, gen, torch::kDouble);
  s.exact = exact_posterior_known_sigma(s.X, s.y, s.sigma, 5.0, 1.0);
  auto L = torch::linalg_cholesky(s.exact.covariance);
  auto z = at::normal(0.0, 1.0, {kPredictiveDraws, 4}, gen, torch::kDouble);
  auto wdraws = s.exact.mean + z.matmul(L.t());  // [S, 4]: (alpha, beta)
  s.draws.alpha = wdraws.select(1, 0).contiguous();
  s.draws.beta = wdraws.narrow(1, 1, 3).contiguous();
  s.draws.sigma = torch::full({kPredictiveDraws}, s.sigma, torch::kDouble);
  return s;
}

TEST(RegressionPredictive, LinearKnownSigmaMatchesClosedForm) {
  const auto s = linear_setup();
  const auto p = predict_regression(RegressionKind::linear, s.draws, s.Xnew, 1);
  auto Z = torch::cat({torch::ones({5, 1}, torch::kDouble), s.Xnew}, 1);
  auto mean = Z.matmul(s.exact.mean);
  auto eta_var = (Z.matmul(s.exact.covariance) * Z).sum(1);
  auto y_sd = (eta_var + s.sigma * s.sigma).sqrt();
  const double S = static_cast<double>(kPredictiveDraws);
  for (int64_t m = 0; m < 5; ++m) {
    const double esd = std::sqrt(eta_var[m].item<double>());
    EXPECT_NEAR(p.linear_predictor.mean[m].item<double>(), mean[m].item<double>(), 4.5 * esd / std::sqrt(S));
    EXPECT_NEAR(p.response.mean[m].item<double>(), mean[m].item<double>(), 4.5 * esd / std::sqrt(S));
    EXPECT_NEAR(p.linear_predictor.sd[m].item<double>(), esd, 4.5 * esd / std::sqrt(2 * S));
    EXPECT_NEAR(p.response.sd[m].item<double>(), y_sd[m].item<double>(), 4.5 * esd / std::sqrt(2 * S));
    const double q95 = mean[m].item<double>() + 1.6448536 * y_sd[m].item<double>();
    EXPECT_NEAR(p.response.q95[m].item<double>(), q95, 0.05 * y_sd[m].item<double>());
    EXPECT_NEAR(p.linear_predictor.q50[m].item<double>(), mean[m].item<double>(), 0.05 * esd);
  }
  ASSERT_EQ(p.response_draws.sizes(), (std::vector<int64_t>{kPredictiveDraws, 5}));
}

TEST(RegressionPredictive, EqualWeightsAreNoWeights) {
  auto s = linear_setup();
  const auto plain = predict_regression(RegressionKind::linear, s.draws, s.Xnew, 1);
  s.draws.weights = torch::full({kPredictiveDraws}, 3.0, torch::kDouble);
  const auto weighted = predict_regression(RegressionKind::linear, s.draws, s.Xnew, 1);
  EXPECT_TRUE(torch::allclose(plain.response.mean, weighted.response.mean, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(plain.linear_predictor.q5, weighted.linear_predictor.q5, 1e-12, 1e-12));
  // sds differ only by the S − 1 vs S denominator of Var_s[μ_s]
  const double S = static_cast<double>(kPredictiveDraws);
  EXPECT_TRUE(torch::allclose(plain.linear_predictor.sd * std::sqrt((S - 1) / S), weighted.linear_predictor.sd, 1e-10));
}

TEST(RegressionPredictive, PoissonAndBernoulliMomentsAtAPointMass) {
  RegressionDraws d;
  d.alpha = torch::full({4000}, 0.3, torch::kDouble);
  d.beta = torch::full({4000, 1}, 0.5, torch::kDouble);
  auto X = torch::tensor({{1.0}, {-2.0}}, torch::kDouble);
  const auto pois = predict_regression(RegressionKind::poisson, d, X, 2);
  for (int64_t m = 0; m < 2; ++m) {
    const double lambda = std::exp(0.3 + 0.5 * X[m][0].item<double>());
    EXPECT_NEAR(pois.response.mean[m].item<double>(), lambda, 1e-12);
    EXPECT_NEAR(pois.response.sd[m].item<double>(), std::sqrt(lambda), 1e-12);
    EXPECT_NEAR(pois.linear_predictor.sd[m].item<double>(), 0.0, 1e-12);
    // the y draws are Poisson(λ): their mean within 4.5 standard errors
    EXPECT_NEAR(pois.response_draws.select(1, m).mean().item<double>(), lambda, 4.5 * std::sqrt(lambda / 4000));
  }
  const auto bern = predict_regression(RegressionKind::logistic, d, X, 2);
  const double p = 1.0 / (1.0 + std::exp(-0.8));
  EXPECT_NEAR(bern.response.mean[0].item<double>(), p, 1e-12);
  EXPECT_NEAR(bern.response.sd[0].item<double>(), std::sqrt(p * (1 - p)), 1e-12);
}

TEST(RegressionPredictive, BadShapesAreDomainErrors) {
  auto s = linear_setup();
  EXPECT_THROW(predict_regression(RegressionKind::linear, s.draws, s.Xnew.narrow(1, 0, 2), 1), DomainError);
  auto no_sigma = s.draws;
  no_sigma.sigma = at::Tensor();
  EXPECT_THROW(predict_regression(RegressionKind::linear, no_sigma, s.Xnew, 1), DomainError);
  EXPECT_THROW(regression_kind("probit"), ConfigError);
}

}  // namespace
}  // namespace elbo::models
