// Gauss–Hermite expected log likelihoods: the Gaussian's closed form, Monte Carlo
// for Bernoulli (probit and logit) and Poisson, and the closed-form Poisson
// expectation against quadrature; derivatives in m and v against differences.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "elbo/gp/gauss_hermite.hpp"
#include "elbo/gp/likelihoods.hpp"

namespace elbo::gp {
namespace {

TEST(GaussHermite, IntegratesPolynomialsExactly) {
  const GaussHermite rule = gauss_hermite(20);
  EXPECT_NEAR(rule.weights.sum(), 1.0, 1e-13);
  // E[x²] under e^{−x²}/√π is ½, E[x⁴] is ¾.
  EXPECT_NEAR(rule.weights.dot(rule.nodes.array().square().matrix()), 0.5, 1e-12);
  EXPECT_NEAR(rule.weights.dot(rule.nodes.array().pow(4).matrix()), 0.75, 1e-12);
}

TEST(GaussHermite, GaussianQuadratureMatchesClosedForm) {
  GaussianLikelihood lik(0.3);
  Vector y(3), m(3), v(3);
  y << 0.5, -1.0, 2.0;
  m << 0.1, -0.7, 2.5;
  v << 0.2, 1.5, 0.01;
  Vector dm_q, dv_q, dm_c, dv_c;
  double dp_q = 0, dp_c = 0;
  const double q = lik.expected_log_lik_quadrature(y, m, v, dm_q, dv_q, &dp_q);
  const double c = lik.expected_log_lik(y, m, v, dm_c, dv_c, &dp_c);
  EXPECT_NEAR(q, c, 1e-10);
  EXPECT_LT((dm_q - dm_c).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((dv_q - dv_c).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(dp_q, dp_c, 1e-10);
}

// Monte Carlo mean of log p(y|f), f ~ N(m, v), with its standard error.
double monte_carlo_expectation(const Likelihood& lik, double y, double m, double v, double* se) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> n01;
  const int n = 400000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    double d1, d2;
    const double l = lik.log_density(y, m + std::sqrt(v) * n01(rng), &d1, &d2, nullptr);
    s += l;
    s2 += l * l;
  }
  const double mean = s / n;
  *se = std::sqrt((s2 / n - mean * mean) / n);
  return mean;
}

TEST(GaussHermite, NonGaussianExpectationsMatchMonteCarlo) {
  BernoulliLikelihood probit(false), logit(true);
  PoissonLikelihood poisson;
  const struct {
    const Likelihood* lik;
    double y, m, v;
  } cases[] = {{&probit, 1, 0.4, 2.0}, {&probit, 0, 1.2, 0.5}, {&logit, 1, -0.3, 3.0},
               {&logit, 0, 2.0, 0.7}, {&poisson, 3, 0.8, 0.6}, {&poisson, 0, -0.5, 1.2}};
  for (const auto& c : cases) {
    Vector y(1), m(1), v(1), dm, dv;
    y << c.y;
    m << c.m;
    v << c.v;
    double se;
    const double mc = monte_carlo_expectation(*c.lik, c.y, c.m, c.v, &se);
    const double q = c.lik->expected_log_lik_quadrature(y, m, v, dm, dv, nullptr);
    EXPECT_NEAR(q, mc, 5 * se + 1e-4) << c.lik->name();
    const double closed = c.lik->expected_log_lik(y, m, v, dm, dv, nullptr);
    EXPECT_NEAR(closed, q, 1e-6) << c.lik->name();
    // ∂/∂m and ∂/∂v of the expectation by central differences.
    const double h = 1e-5;
    Vector a, b;
    Vector mp = m, mn = m, vp = v, vn = v;
    mp[0] += h;
    mn[0] -= h;
    vp[0] += h;
    vn[0] -= h;
    const double dm_num = (c.lik->expected_log_lik(y, mp, v, a, b, nullptr) - c.lik->expected_log_lik(y, mn, v, a, b, nullptr)) / (2 * h);
    const double dv_num = (c.lik->expected_log_lik(y, m, vp, a, b, nullptr) - c.lik->expected_log_lik(y, m, vn, a, b, nullptr)) / (2 * h);
    EXPECT_NEAR(dm[0], dm_num, 1e-5) << c.lik->name();
    EXPECT_NEAR(dv[0], dv_num, 1e-5) << c.lik->name();
  }
}

TEST(GaussHermite, StudentTScaleGradientMatchesDifferences) {
  StudentTLikelihood t(0.7, 4.0);
  Vector y(2), m(2), v(2), dm, dv;
  y << 0.3, 2.5;
  m << 0.0, 0.4;
  v << 0.5, 0.2;
  double dp = 0;
  t.expected_log_lik(y, m, v, dm, dv, &dp);
  const double h = 1e-6;
  double th = std::log(0.7) + h;
  t.set_params(&th);
  const double up = t.expected_log_lik(y, m, v, dm, dv, nullptr);
  th = std::log(0.7) - h;
  t.set_params(&th);
  const double down = t.expected_log_lik(y, m, v, dm, dv, nullptr);
  EXPECT_NEAR(dp, (up - down) / (2 * h), 1e-6);
}

}  // namespace
}  // namespace elbo::gp
