// Invalid parameters throw elbo::DomainError with the core/check.hpp message,
// for the scalar (double) path and the tensor path alike.
#include <gtest/gtest.h>

#include <limits>

#include "double_tensor.hpp"
#include "reference.hpp"

namespace elbo::dist {
namespace {

// Runs `make`, expects a DomainError whose message contains `needle`.
template <class F>
void expect_domain_error(F make, const std::string& needle) {
  try {
    make();
    ADD_FAILURE() << "no DomainError; expected message containing: " << needle;
  } catch (const DomainError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << needle;
  }
}

using test_helpers::t;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(Validation, ScalarParameters) {
  expect_domain_error([] { (void)Normal(0.0, -1.0); }, "normal: scale is -1, but must be positive");
  expect_domain_error([] { (void)Normal(kNaN, 1.0); }, "normal: loc is nan, but must be finite");
  expect_domain_error([] { (void)Normal(0.0, kInf); }, "normal: scale is inf, but must be positive");
  expect_domain_error([] { (void)LogNormal(0.0, 0.0); }, "log_normal: scale is 0, but must be positive");
  expect_domain_error([] { (void)HalfNormal(-2.0); }, "half_normal: scale is -2, but must be positive");
  expect_domain_error([] { (void)Cauchy(0.0, -0.5); }, "cauchy: scale is -0.5, but must be positive");
  expect_domain_error([] { (void)StudentT(0.0); }, "student_t: df is 0, but must be positive");
  expect_domain_error([] { (void)StudentT(3.0, 0.0, -1.0); },
                      "student_t: scale is -1, but must be positive");
  expect_domain_error([] { (void)Gamma(-1.0, 1.0); },
                      "gamma: concentration is -1, but must be positive");
  expect_domain_error([] { (void)Gamma(1.0, 0.0); }, "gamma: rate is 0, but must be positive");
  expect_domain_error([] { (void)InverseGamma(2.0, -3.0); },
                      "inverse_gamma: scale is -3, but must be positive");
  expect_domain_error([] { (void)Beta(0.0, 1.0); }, "beta: concentration1 is 0, but must be positive");
  expect_domain_error([] { (void)Beta(1.0, -1.0); },
                      "beta: concentration0 is -1, but must be positive");
  expect_domain_error([] { (void)Exponential(-1.0); }, "exponential: rate is -1, but must be positive");
  expect_domain_error([] { (void)Poisson(-1.0); }, "poisson: rate is -1, but must be nonnegative");
  expect_domain_error([] { (void)Poisson(kInf); }, "poisson: rate is inf, but must be finite");
  expect_domain_error([] { (void)Bernoulli(kNaN); }, "bernoulli: logits is nan, but must be not NaN");
  expect_domain_error([] { (void)Bernoulli::from_probs(1.5); },
                      "bernoulli: probs is 1.5, but must be in [0, 1]");
  expect_domain_error([] { (void)Binomial(2.5, 0.0); },
                      "binomial: total_count is 2.5, but must be a nonnegative integer");
  expect_domain_error([] { (void)Binomial::from_probs(3, -0.1); },
                      "binomial: probs is -0.1, but must be in [0, 1]");
}

TEST(Validation, TensorParametersNameTheOffendingIndex) {
  expect_domain_error([] { (void)Normal(t({0, 1}), t({1, -2})); },
                      "normal: scale[1] is -2, but must be positive");
  expect_domain_error([] { (void)Gamma(t({1, 2, 0}), 1.0); },
                      "gamma: concentration[2] is 0, but must be positive");
  expect_domain_error([] { (void)Poisson(t({1, -3})); }, "poisson: rate[1] is -3, but must be nonnegative");
  expect_domain_error([] { (void)Binomial(t({1, 2.5}), 0.0); },
                      "binomial: total_count[1] is 2.5, but must be a nonnegative integer");
  expect_domain_error([] { (void)Dirichlet(t({1, 0, 2})); },
                      "dirichlet: concentration[1] is 0, but must be positive");
  expect_domain_error([] { (void)Dirichlet(torch::tensor(1.0, torch::kDouble)); },
                      "dirichlet: concentration has shape [], but must have at least one");
  expect_domain_error([] { (void)Categorical::from_probs(t({0.5, 0.6})); },
                      "categorical: sum of probs is 1.1, but must be 1 (a simplex)");
  expect_domain_error([] { (void)Categorical(t({0.0, kNaN})); },
                      "categorical: logits[1] is nan, but must be not NaN");
  expect_domain_error([] { (void)Normal(t({0, 1, 2}), t({1, 1})); },
                      "normal: parameter shapes do not broadcast ([3], [2])");
}

TEST(Validation, MultivariateNormal) {
  auto loc = torch::zeros({2}, torch::kDouble);
  expect_domain_error([&] { (void)MultivariateNormal(loc, t({1, 0.5, 0, 1}).reshape({2, 2})); },
                      "multivariate_normal: scale_tril[1] is 0.5, but must be zero above the "
                      "diagonal");
  expect_domain_error([&] { (void)MultivariateNormal(loc, t({1, 0, 0.5, -1}).reshape({2, 2})); },
                      "multivariate_normal: diagonal of scale_tril[1] is -1, but must be positive");
  expect_domain_error([&] { (void)MultivariateNormal(loc, torch::eye(3, torch::kDouble)); },
                      "multivariate_normal: scale_tril has shape [3, 3], but must end in [2, 2]");
  expect_domain_error(
      [&] { (void)MultivariateNormal::from_covariance(loc, t({1, 2, 2, 1}).reshape({2, 2})); },
      "multivariate_normal: covariance is not positive definite");
  expect_domain_error(
      [&] { (void)MultivariateNormal::from_covariance(loc, t({1, 0.2, 0.1, 1}).reshape({2, 2})); },
      "multivariate_normal: covariance[1] is 0.2, but must be symmetric");
}

TEST(Validation, LowRankMultivariateNormal) {
  auto loc = torch::zeros({3}, torch::kDouble);
  auto w = torch::ones({3, 1}, torch::kDouble);
  expect_domain_error([&] { (void)LowRankMultivariateNormal(loc, w, t({1, 0, 1})); },
                      "low_rank_multivariate_normal: cov_diag[1] is 0, but must be positive");
  expect_domain_error([&] { (void)LowRankMultivariateNormal(loc, torch::ones({2, 1}), t({1, 1, 1})); },
                      "low_rank_multivariate_normal: cov_factor has shape [2, 1], but must be "
                      "[..., 3, rank]");
  expect_domain_error([&] { (void)LowRankMultivariateNormal(loc, w, t({1, 1})); },
                      "low_rank_multivariate_normal: cov_diag has shape [2], but must be [..., 3]");
}

TEST(Validation, IndependentAndMissingFeatures) {
  auto normal = std::make_shared<Normal>(torch::zeros({2, 3}, torch::kDouble), 1.0);
  expect_domain_error([&] { (void)Independent(normal, 3); },
                      "independent: reinterpreted_batch_ndims is 3, but must be in [0, 2]");
  expect_domain_error([] { (void)Bernoulli(0.0).rsample({2}, make_generator(1)); },
                      "bernoulli: has no reparameterised sampler (rsample)");
  expect_domain_error([] { (void)Poisson(1.0).entropy(); }, "poisson: has no analytic entropy");
  expect_domain_error([] { (void)kl_divergence(Normal(0.0, 1.0), Gamma(1.0, 1.0)); },
                      "kl_divergence: no analytic KL divergence between normal and gamma");
  expect_domain_error(
      [&] { (void)kl_divergence(Independent(normal, 1), Independent(Cauchy(0.0, 1.0), 0)); },
      "between independent(normal) and independent(cauchy)");
}

TEST(Validation, SwitchingOffSkipsTensorChecksButNotScalarChecks) {
  set_validate_args(false);
  EXPECT_NO_THROW(Normal(t({0.0}), t({-1.0})));
  EXPECT_THROW(Normal(0.0, -1.0), DomainError);
  set_validate_args(true);
  EXPECT_THROW(Normal(t({0.0}), t({-1.0})), DomainError);
}

}  // namespace
}  // namespace elbo::dist
