// The SVI "tricks" of NaturalSviOptions on Bayesian linear regression, whose
// mean-field fixed point is known in closed form (bayes_linear_regression.hpp).
#include <gtest/gtest.h>

#include <random>

#include "elbo/conjugate/bayes_linear_regression.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/core/error.hpp"

using namespace elbo::conjugate;

namespace {

BayesLinearRegression make_svi_model(int n = 400, unsigned seed = 21) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  const int d = 3;
  Eigen::MatrixXd X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = normal(rng);
  Eigen::VectorXd y = X * Eigen::Vector3d(1.0, -2.0, 0.5);
  for (int i = 0; i < n; ++i) y(i) += 0.7 * normal(rng);
  BayesLinearRegressionPrior prior;
  prior.m0 = Eigen::VectorXd::Zero(d);
  prior.L0 = Eigen::MatrixXd::Identity(d, d);
  prior.a0 = 2.0;
  prior.b0 = 2.0;
  return BayesLinearRegression(X, y, prior);
}

void expect_near_fixed_point(const BayesLinearRegression& model, double tol_mean, double tol_tau) {
  const auto q = model.posterior();
  const auto fixed = model.mean_field_fixed_point();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(q.mean(j), fixed.mean(j), tol_mean) << "β[" << j << "]";
  const double tau = fixed.shape / fixed.rate;
  EXPECT_NEAR(q.shape / q.rate, tau, tol_tau * tau);
}

}  // namespace

TEST(NaturalSviOptions, SvrgOnAModelWithoutLocalsIsExactCavi) {
  // Without local variables s_B(λ) = s_B(λ̃), so the SVRG estimate is exactly the
  // full-data optimum: every minibatch step with ρ = 1 is a CAVI iteration.
  auto a = make_svi_model();
  auto b = make_svi_model();
  NaturalSvi svi(b, NaturalSviOptions().batch_size(20).constant_rate(1.0).svrg_every(5).seed(3));
  for (int t = 0; t < 8; ++t) {
    cavi_step(a);
    svi.step();
    EXPECT_LE((a.global_parameters() - b.global_parameters()).cwiseAbs().maxCoeff(),
              1e-9 * a.global_parameters().cwiseAbs().maxCoeff());
  }
}

TEST(NaturalSviOptions, AdaptiveRateReachesFixedPoint) {
  auto model = make_svi_model();
  NaturalSvi svi(model, NaturalSviOptions().batch_size(40).adaptive_rate(true).max_steps(3000).seed(4));
  const auto r = svi.run();
  expect_near_fixed_point(model, 0.01, 0.03);
  // the adaptive rate decays as the gradient noise starts to dominate
  EXPECT_LT(r.rates.back(), 0.5 * r.rates.front());
}

TEST(NaturalSviOptions, WindowAveragingReachesFixedPoint) {
  auto model = make_svi_model();
  NaturalSvi svi(model, NaturalSviOptions().batch_size(40).window(8).kappa(0.9).max_steps(3000).seed(5));
  svi.run();
  expect_near_fixed_point(model, 0.01, 0.03);
}

TEST(NaturalSviOptions, AdaptiveBatchGrowsAndReachesFixedPoint) {
  auto model = make_svi_model();
  NaturalSvi svi(model, NaturalSviOptions().batch_size(4).adaptive_batch(true).kappa(0.9).max_steps(2000).seed(6));
  svi.run();
  EXPECT_GT(svi.current_batch_size(), 4);
  expect_near_fixed_point(model, 0.01, 0.03);
}

TEST(NaturalSviOptions, StreamingReachesFixedPoint) {
  auto model = make_svi_model();
  NaturalSvi svi(model, NaturalSviOptions().batch_size(40).streaming(true).kappa(0.9).max_steps(2000));
  svi.run();
  expect_near_fixed_point(model, 0.01, 0.03);
}

TEST(NaturalSviOptions, ImportanceSamplingReachesFixedPoint) {
  auto model = make_svi_model();
  std::vector<double> scores(static_cast<size_t>(model.num_data()));
  for (size_t i = 0; i < scores.size(); ++i) scores[i] = 1.0 + static_cast<double>(i % 7);
  NaturalSvi svi(model, NaturalSviOptions().batch_size(40).importance(scores).kappa(0.9).max_steps(3000).seed(8));
  svi.run();
  expect_near_fixed_point(model, 0.01, 0.03);
}

TEST(NaturalSviOptions, ImportanceRejectsBadScores) {
  auto model = make_svi_model();
  std::vector<double> scores(static_cast<size_t>(model.num_data()), 1.0);
  scores[3] = -1.0;
  EXPECT_THROW(NaturalSvi(model, NaturalSviOptions().importance(scores)), elbo::ConfigError);
  EXPECT_THROW(NaturalSvi(model, NaturalSviOptions().importance({1.0, 2.0})), elbo::ConfigError);
  std::vector<double> ok(static_cast<size_t>(model.num_data()), 1.0);
  EXPECT_THROW(NaturalSvi(model, NaturalSviOptions().importance(ok).window(3)), elbo::ConfigError);
}
