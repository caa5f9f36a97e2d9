// The SVGP: its reverse-mode gradient against central differences (every
// block, for Gaussian and Bernoulli likelihoods), whitened against unwhitened
// ELBO, and one natural-gradient step of size 1 landing on the collapsed
// bound's optimal q(u).
#include <gtest/gtest.h>

#include <cmath>

#include "elbo/gp/collapsed_bound.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihoods.hpp"
#include "elbo/gp/svgp.hpp"
#include "elbo/gp/svgp_fit.hpp"
#include "elbo/core/error.hpp"
#include <Eigen/Cholesky>
#include "gp_test_support.hpp"

namespace elbo::gp {
namespace {

Svgp random_svgp(const std::string& lik, int T, int D, uint64_t seed) {
  Matrix Z;
  Vector unused;
  testing::synthetic_regression(T, D, seed, Z, unused);
  Svgp model(make_kernel("rbf+linear", D, 1.1), make_likelihood(lik, 0.3), Z, 1e-8);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  for (int i = 0; i < T; ++i) model.q_mean()[i] = 0.5 * n01(rng);
  for (int j = 0; j < T; ++j)
    for (int i = j; i < T; ++i) model.q_chol()(i, j) = i == j ? 0.5 + 0.1 * i : 0.1 * n01(rng);
  return model;
}

TEST(Svgp, GradientMatchesFiniteDifferences) {
  for (const char* lik : {"gaussian", "bernoulli_logit", "poisson"}) {
    Matrix X;
    Vector y;
    testing::synthetic_regression(25, 2, 31, X, y);
    if (std::string(lik) != "gaussian") y = (y.array() > 0).cast<double>();
    Svgp model = random_svgp(lik, 6, 2, 32);
    SvgpFitOptions opts;
    opts.method = SvgpMethod::adam;  // every block in the packed vector
    const double scale = 3.0;
    SvgpGradient g;
    model.elbo(X, y, scale, &g);
    const Vector x0 = pack_svgp(model, opts);
    Svgp probe(model);
    const Vector num = testing::numeric_gradient(
        [&](const Vector& x) {
          unpack_svgp(probe, opts, x);
          return probe.elbo(X, y, scale);
        },
        x0, 1e-6);
    // Pack the analytic gradient the way fit_svgp does (log-diagonal of L_S).
    unpack_svgp(probe, opts, x0);
    const Eigen::Index Pk = g.kernel.size(), Pl = g.likelihood.size(), T = 6, D = 2;
    Vector ana(x0.size());
    ana.head(Pk) = g.kernel;
    ana.segment(Pk, Pl) = g.likelihood;
    ana.segment(Pk + Pl, T * D) = Eigen::Map<const Vector>(g.inducing.data(), T * D);
    ana.segment(Pk + Pl + T * D, T) = g.q_mean;
    Eigen::Index o = Pk + Pl + T * D + T;
    for (Eigen::Index j = 0; j < T; ++j)
      for (Eigen::Index i = j; i < T; ++i) ana[o++] = i == j ? g.q_chol(i, i) * model.q_chol()(i, i) : g.q_chol(i, j);
    for (Eigen::Index i = 0; i < x0.size(); ++i) EXPECT_NEAR(ana[i], num[i], 2e-5 * (1 + std::abs(num[i]))) << lik << " " << i;
  }
}

TEST(Svgp, WhitenedAndUnwhitenedElbosAgree) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(30, 2, 41, X, y);
  for (const char* lik : {"gaussian", "student_t"}) {
    Svgp model = random_svgp(lik, 8, 2, 42);
    const Matrix L = Eigen::LLT<Matrix>([&] {
                       Matrix K = model.kernel().cross(model.inducing(), model.inducing());
                       K.diagonal().array() += 1e-8 * K.diagonal().mean();
                       return K;
                     }())
                         .matrixL();
    // u = L v: m_u = L μ, S_u = L S Lᵀ.
    const Vector m_u = L * model.q_mean();
    const Matrix S_u = L * model.q_chol() * model.q_chol().transpose() * L.transpose();
    EXPECT_NEAR(model.elbo(X, y, 2.5), unwhitened_elbo(model, X, y, 2.5, m_u, S_u), 1e-7) << lik;
  }
}

TEST(Svgp, OneNaturalGradientStepOfSizeOneReachesTheCollapsedOptimum) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(80, 2, 51, X, y);
  Svgp model = random_svgp("gaussian", 10, 2, 52);
  const CollapsedBound bound = collapsed_bound(model.kernel(), X, y, model.inducing(), 0.3, 1e-8);
  model.natural_gradient_step(X, y, 1.0, 1.0);
  EXPECT_LT((model.q_mean() - bound.q_mean).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_LT((model.q_chol() - bound.q_chol).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_NEAR(model.elbo(X, y, 1.0), bound.value, 1e-8);
  // A minibatch step with scale M/S also lands on that batch's optimum (as if
  // the batch were repeated M/S times); a second step of size 1 changes nothing.
  model.natural_gradient_step(X, y, 1.0, 1.0);
  EXPECT_LT((model.q_mean() - bound.q_mean).cwiseAbs().maxCoeff(), 1e-8);
}

TEST(Svgp, NaturalStepThenElboEqualsTheTwoCallsApart) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(60, 2, 61, X, y);
  for (const std::string lik : {"gaussian", "bernoulli"}) {
    Vector target = y;
    if (lik == "bernoulli") target = (y.array() > 0).cast<double>();
    Svgp fused = random_svgp(lik, 8, 2, 62), apart = fused;
    SvgpGradient g_fused, g_apart;
    const double v_fused = fused.natural_step_then_elbo(X, target, 3.0, 0.4, 2.0, &g_fused);
    apart.natural_gradient_step(X, target, 3.0, 0.4);
    const double v_apart = apart.elbo(X, target, 2.0, &g_apart);
    EXPECT_NEAR(v_fused, v_apart, 1e-12 * std::abs(v_apart)) << lik;
    EXPECT_LT((fused.q_mean() - apart.q_mean()).cwiseAbs().maxCoeff(), 1e-12) << lik;
    EXPECT_LT((fused.q_chol() - apart.q_chol()).cwiseAbs().maxCoeff(), 1e-12) << lik;
    EXPECT_LT((g_fused.kernel - g_apart.kernel).cwiseAbs().maxCoeff(), 1e-10) << lik;
    EXPECT_LT((g_fused.inducing - g_apart.inducing).cwiseAbs().maxCoeff(), 1e-10) << lik;
    EXPECT_LT((g_fused.q_chol - g_apart.q_chol).cwiseAbs().maxCoeff(), 1e-10) << lik;
    EXPECT_GT(std::abs(v_apart), 1.0) << lik;  // a real value, not an empty batch
  }
}

TEST(Svgp, StochasticFitApproachesTheOptimisedCollapsedBound) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(600, 1, 61, X, y);
  const Matrix Z = initial_inducing_points(X, 15, 1);
  Svgp collapsed(make_kernel("rbf", 1, 1.0), make_likelihood("gaussian", 0.5), Z, 1e-6);
  SvgpFitOptions c;
  c.method = SvgpMethod::collapsed;
  c.steps = 300;
  c.learning_rate = 0.05;
  SvgpFitState cs = start_svgp_fit(X.rows(), c);
  fit_svgp(collapsed, X, y, c, cs);
  const auto& gl = dynamic_cast<const GaussianLikelihood&>(collapsed.likelihood());
  const double optimum = collapsed_bound(collapsed.kernel(), X, y, collapsed.inducing(), gl.noise_variance()).value;

  Svgp stochastic(make_kernel("rbf", 1, 1.0), make_likelihood("gaussian", 0.5), Z, 1e-6);
  SvgpFitOptions s;
  s.method = SvgpMethod::natural_gradient;
  s.batch_size = 100;
  s.steps = 1500;
  s.natural_step = 0.2;
  s.learning_rate = 0.02;
  SvgpFitState ss = start_svgp_fit(X.rows(), s);
  fit_svgp(stochastic, X, y, s, ss);
  const double full_elbo = stochastic.elbo(X, y, 1.0);
  EXPECT_LE(full_elbo, optimum + 1e-6);
  EXPECT_GT(full_elbo, optimum - 0.01 * std::abs(optimum)) << "SVGP " << full_elbo << " vs collapsed " << optimum;
  // The noise (σ = 0.2 in the data) is recovered.
  EXPECT_NEAR(std::sqrt(gl.noise_variance()), 0.2, 0.05);
}

TEST(Svgp, MoreInducingPointsThanRowsIsAConfigError) {
  Matrix X = Matrix::Random(5, 2);
  EXPECT_THROW(initial_inducing_points(X, 6, 1), ConfigError);
}

}  // namespace
}  // namespace elbo::gp
