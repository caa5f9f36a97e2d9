// L-BFGS on the collapsed bound: with the inducing inputs at the training inputs
// the bound is the exact GP's log marginal likelihood, so the fit must end at its
// type-II maximum likelihood (a zero gradient, checked by central differences of
// the bound itself), above where the Adam route gets in the same number of steps.
#include <gtest/gtest.h>

#include <cmath>

#include "../gp/gp_test_support.hpp"
#include "elbo/core/error.hpp"
#include "elbo/gp/collapsed_bound.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihoods.hpp"
#include "elbo/gp/svgp_fit.hpp"
#include "elbo/gp_optim/collapsed_lbfgs.hpp"

namespace elbo::gp {
namespace {

double noise_of(const Svgp& m) { return dynamic_cast<const GaussianLikelihood&>(m.likelihood()).noise_variance(); }

TEST(CollapsedLbfgs, ReachesTheExactGpsMaximumLikelihood) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(60, 2, 71, X, y);
  Svgp model(make_kernel("rbf", 2, 1.0), make_likelihood("gaussian", 0.3), X, 1e-12);
  const double start = collapsed_bound(model.kernel(), X, y, X, 0.3, 1e-12).value;
  CollapsedLbfgsOptions options;
  options.max_iterations = 200;
  options.learn_inducing = false;
  std::vector<double> trace;
  const CollapsedLbfgsOutcome out =
      fit_collapsed_lbfgs(model, X, y, options, [&](int64_t, double b) { trace.push_back(b); });
  EXPECT_TRUE(out.converged) << out.status;
  EXPECT_LT(out.iterations, 200);
  ASSERT_EQ(trace.size(), static_cast<size_t>(out.iterations));
  for (size_t i = 1; i < trace.size(); ++i) EXPECT_GE(trace[i], trace[i - 1] - 1e-9) << i;
  EXPECT_EQ(model.inducing(), X);  // fixed

  CollapsedBoundGradient g;
  const CollapsedBound end = collapsed_bound(model.kernel(), X, y, X, noise_of(model), 1e-12, &g);
  EXPECT_GT(end.value, start + 1.0);
  EXPECT_NEAR(end.value, trace.back(), 1e-9);
  EXPECT_LT(g.kernel.cwiseAbs().maxCoeff(), 1e-3);
  EXPECT_LT(std::abs(g.log_noise), 1e-3);
  // q(v) is the bound's optimum at the final hyperparameters.
  EXPECT_LT((model.q_mean() - end.q_mean).cwiseAbs().maxCoeff(), 1e-10);

  // Adam on the same bound, 40 steps, ends lower.
  Svgp adam(make_kernel("rbf", 2, 1.0), make_likelihood("gaussian", 0.3), X, 1e-12);
  SvgpFitOptions ao;
  ao.method = SvgpMethod::collapsed;
  ao.steps = 40;
  ao.learning_rate = 0.05;
  ao.learn_inducing = false;
  SvgpFitState state = start_svgp_fit(X.rows(), ao);
  fit_svgp(adam, X, y, ao, state);
  EXPECT_GT(end.value, collapsed_bound(adam.kernel(), X, y, X, noise_of(adam), 1e-12).value);
}

TEST(CollapsedLbfgs, MovesTheInducingInputsAndRaisesTheBound) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(120, 2, 72, X, y);
  const Matrix Z0 = initial_inducing_points(X, 8, 1);
  Svgp model(make_kernel("matern52", 2, 1.0), make_likelihood("gaussian", 0.2), Z0, 1e-8);
  const double start = collapsed_bound(model.kernel(), X, y, Z0, 0.2, 1e-8).value;
  CollapsedLbfgsOptions options;
  options.max_iterations = 30;
  const CollapsedLbfgsOutcome out = fit_collapsed_lbfgs(model, X, y, options);
  EXPECT_GT(out.iterations, 0);
  EXPECT_GE(out.evaluations, out.iterations);
  EXPECT_GT((model.inducing() - Z0).cwiseAbs().maxCoeff(), 1e-3);
  EXPECT_GT(collapsed_bound(model.kernel(), X, y, model.inducing(), noise_of(model), 1e-8).value, start + 1.0);
}

TEST(CollapsedLbfgs, RefusesANonGaussianLikelihood) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(20, 1, 73, X, y);
  Svgp model(make_kernel("rbf", 1, 1.0), make_likelihood("poisson", 1.0), X.topRows(4), 1e-6);
  EXPECT_THROW(fit_collapsed_lbfgs(model, X, (y.array() > 0).cast<double>().matrix(), {}), ConfigError);
}

}  // namespace
}  // namespace elbo::gp
