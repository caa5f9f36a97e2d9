// Bayesian linear regression: CAVI and natural-gradient SVI against the closed-form
// exact posterior and the closed-form mean-field fixed point (bayes_linear_regression.hpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "elbo/conjugate/bayes_linear_regression.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/core/error.hpp"

using namespace elbo::conjugate;

namespace {

BayesLinearRegression make_linear_model(int n = 200, int d = 3, unsigned seed = 7) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = normal(rng);
  Eigen::VectorXd beta(d);
  for (int j = 0; j < d; ++j) beta(j) = 1.0 - 0.7 * j;
  Eigen::VectorXd y = X * beta;
  for (int i = 0; i < n; ++i) y(i) += 0.5 * normal(rng);
  BayesLinearRegressionPrior prior;
  prior.m0 = Eigen::VectorXd::Constant(d, 0.3);
  prior.L0 = Eigen::MatrixXd::Identity(d, d) * 2.0;
  prior.L0(0, 1) = prior.L0(1, 0) = 0.5;
  prior.a0 = 2.0;
  prior.b0 = 1.5;
  return BayesLinearRegression(X, y, prior);
}

}  // namespace

TEST(BayesLinearRegression, CaviReachesMeanFieldFixedPoint) {
  auto model = make_linear_model();
  const auto result = cavi(model, CaviOptions().max_iterations(200).tolerance(1e-14));
  const auto q = model.posterior();
  const auto fixed = model.mean_field_fixed_point();
  const auto exact = model.exact_posterior();
  EXPECT_LT(result.iterations, 200);
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(q.mean(j), fixed.mean(j), 1e-6);
    EXPECT_NEAR(q.mean(j), exact.mean(j), 1e-6);  // mean field keeps E[β] exact
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(q.covariance(j, k), fixed.covariance(j, k), 1e-6);
  }
  EXPECT_NEAR(q.shape, fixed.shape, 1e-9);
  EXPECT_NEAR(q.rate, fixed.rate, 1e-6 * fixed.rate);
  // ... and E[τ] equals the exact posterior's (a0 + N/2)/(b0 + S/2).
  EXPECT_NEAR(q.shape / q.rate, exact.shape / exact.rate, 1e-6 * exact.shape / exact.rate);
}

TEST(BayesLinearRegression, CaviElboNeverDecreases) {
  auto model = make_linear_model(100, 4, 3);
  const auto result = cavi(model, CaviOptions().max_iterations(50).tolerance(0));
  ASSERT_GE(result.elbo_trace.size(), 3u);
  for (size_t i = 1; i < result.elbo_trace.size(); ++i) {
    EXPECT_GE(result.elbo_trace[i], result.elbo_trace[i - 1] - 1e-9 * std::abs(result.elbo_trace[i]));
  }
}

TEST(BayesLinearRegression, ElboIsMaximalAtFixedPoint) {
  // Perturbing q(τ)'s rate away from the converged value lowers the ELBO.
  auto model = make_linear_model();
  cavi(model, CaviOptions().max_iterations(200).tolerance(1e-14));
  const auto stats = model.expected_statistics(model.all_points());
  const double best = model.elbo(stats);
  Eigen::VectorXd lambda = model.global_parameters();
  for (double f : {0.9, 1.1}) {
    Eigen::VectorXd l = lambda;
    l(l.size() - 1) *= f;
    model.set_global_parameters(l);
    EXPECT_LT(model.elbo(stats), best);
  }
}

TEST(BayesLinearRegression, FullBatchSviWithUnitRateIsCavi) {
  auto a = make_linear_model();
  auto b = make_linear_model();
  NaturalSvi svi(b, NaturalSviOptions().batch_size(b.num_data()).constant_rate(1.0));
  for (int t = 0; t < 5; ++t) {
    cavi_step(a);
    svi.step();
    for (Eigen::Index i = 0; i < a.global_parameters().size(); ++i) {
      EXPECT_NEAR(a.global_parameters()(i), b.global_parameters()(i),
                  1e-12 * std::max(1.0, std::abs(a.global_parameters()(i))));
    }
  }
}

TEST(BayesLinearRegression, MinibatchSviReachesFixedPoint) {
  auto model = make_linear_model(400, 3, 11);
  NaturalSvi svi(model, NaturalSviOptions().batch_size(40).tau0(1).kappa(0.9).max_steps(20000).seed(5));
  svi.run();
  const auto q = model.posterior();
  const auto fixed = model.mean_field_fixed_point();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(q.mean(j), fixed.mean(j), 5e-3);
  EXPECT_NEAR(q.shape / q.rate, fixed.shape / fixed.rate, 0.02 * fixed.shape / fixed.rate);
}

TEST(NaturalSvi, CheckpointResumeContinuesIdentically) {
  const std::string path = ::testing::TempDir() + "conj_blr_ckpt.json";
  auto opts = NaturalSviOptions().batch_size(25).max_steps(30).seed(9);
  auto a = make_linear_model();
  NaturalSvi full(a, opts);
  full.run();

  auto b = make_linear_model();
  NaturalSvi first(b, NaturalSviOptions(opts).max_steps(12).checkpoint(path));
  first.run();
  auto c = make_linear_model();
  NaturalSvi second(c, opts);
  second.resume(path);
  EXPECT_EQ(second.steps_taken(), 12);
  second.run();
  for (Eigen::Index i = 0; i < a.global_parameters().size(); ++i) {
    EXPECT_DOUBLE_EQ(a.global_parameters()(i), c.global_parameters()(i));
  }
  std::remove(path.c_str());
}

TEST(NaturalSvi, RejectsBadOptions) {
  auto model = make_linear_model();
  EXPECT_THROW(NaturalSvi(model, NaturalSviOptions().kappa(0.5)), elbo::ConfigError);
  EXPECT_THROW(NaturalSvi(model, NaturalSviOptions().kappa(1.2)), elbo::ConfigError);
  EXPECT_THROW(NaturalSvi(model, NaturalSviOptions().batch_size(0)), elbo::ConfigError);
  EXPECT_THROW(NaturalSvi(model, NaturalSviOptions().tau0(-1)), elbo::ConfigError);
  EXPECT_THROW(cavi(model, CaviOptions().max_iterations(0)), elbo::ConfigError);
  try {
    NaturalSvi(model, NaturalSviOptions().kappa(0.3));
  } catch (const elbo::ConfigError& e) {
    EXPECT_STREQ(e.what(), "natural_svi: kappa is 0.3, but must be in (0.5, 1]");
  }
}

TEST(NaturalSvi, ResumeRejectsMismatchedCheckpoint) {
  const std::string path = ::testing::TempDir() + "conj_blr_bad.json";
  auto a = make_linear_model(200);
  NaturalSvi svi(a, NaturalSviOptions().batch_size(10).max_steps(2).checkpoint(path));
  svi.run();
  auto b = make_linear_model(150);
  NaturalSvi other(b, NaturalSviOptions());
  EXPECT_THROW(other.resume(path), elbo::InputError);
  EXPECT_THROW(other.resume(path + ".missing"), elbo::InputError);
  std::remove(path.c_str());
}
