// PSIS: the NumPy reference (k̂, smoothed weights, ESS to 1e-8), recovery of a
// known Pareto shape, and the textbook regimes (q = p; q narrower than p).
#include "elbo/diagnostics/psis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "diagnostics/reference_data.hpp"
#include "elbo/core/error.hpp"
#include "elbo/diagnostics/pareto_k.hpp"

namespace elbo::diagnostics {
namespace {

double uniform(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
}

std::vector<double> normals(int n, double sd, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> z(n);
  for (int i = 0; i < n; i += 2) {  // Box–Muller
    double r = std::sqrt(-2 * std::log(uniform(rng))), t = 2 * M_PI * uniform(rng);
    z[i] = sd * r * std::cos(t);
    if (i + 1 < n) z[i + 1] = sd * r * std::sin(t);
  }
  return z;
}

// log N(θ | 0, sd²) up to the shared constant.
double log_normal(double theta, double sd) {
  return -0.5 * theta * theta / (sd * sd) - std::log(sd);
}

TEST(Psis, MatchesNumpyReference) {
  for (const auto& c : testing::reference()["psis"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto lr = c["log_ratios"].get<std::vector<double>>();
    auto r = psis(lr);
    EXPECT_NEAR(r.k_hat, c["k_hat"].get<double>(), 1e-8);
    EXPECT_NEAR(r.sigma_hat, c["sigma_hat"].get<double>(), 1e-8);
    EXPECT_EQ(r.tail_length, c["tail_length"].get<int64_t>());
    auto expected = c["log_weights"].get<std::vector<double>>();
    ASSERT_EQ(r.log_weights.size(), expected.size());
    double worst = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      worst = std::max(worst, std::abs(r.log_weights[i] - expected[i]));
    }
    EXPECT_LE(worst, 1e-8);
    EXPECT_NEAR(r.ess, c["ess"].get<double>(), 1e-8 * c["ess"].get<double>());
  }
}

TEST(Psis, RecoversParetoShapeOfTheRatios) {
  // Ratios w = GPD(k, 1) draws (log ratios log w): the tail above any threshold is
  // GPD with the same k. With M = 300 tail draws one estimate has sd ≈ (1 + k)/√300,
  // so average 20 replications (sd ≈ (1 + k)/√6000 ≤ 0.026) and allow 0.08.
  uint64_t seed = 100;
  for (double k : {0.3, 0.7, 1.0}) {
    SCOPED_TRACE(k);
    double mean_k = 0;
    const int reps = 20;
    for (int rep = 0; rep < reps; ++rep) {
      std::mt19937_64 rng(seed++);
      std::vector<double> lr(10000);
      for (auto& v : lr) v = std::log(std::expm1(-k * std::log1p(-uniform(rng))) / k);
      auto r = psis(lr);
      EXPECT_EQ(r.tail_length, 300);
      mean_k += r.k_hat / reps;
    }
    EXPECT_NEAR(mean_k, k, 0.08);
  }
}

TEST(Psis, EqualRatiosNeedNoSmoothing) {
  std::vector<double> lr(1000, -3.25);
  auto r = psis(lr);
  EXPECT_LT(r.k_hat, 0.5);
  EXPECT_EQ(pareto_k_category(r.k_hat, 1000), ParetoKCategory::good);
  for (double lw : r.log_weights) EXPECT_NEAR(lw, -std::log(1000.0), 1e-12);
  EXPECT_NEAR(r.ess, 1000.0, 1e-9);
}

TEST(Psis, RatiosEqualUpToRoundingNeedNoSmoothing) {
  // An exact q (full-rank Gaussian on a Gaussian target): log p − log q differs only
  // in its last bits. The tail is rounding noise, not heavy: k̂ says bounded, ESS = S.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 3e-16);
  std::vector<double> lr(2000);
  for (double& v : lr) v = -2.5 + noise(rng);
  auto r = psis(lr);
  EXPECT_EQ(r.k_hat, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(pareto_k_category(r.k_hat, 2000), ParetoKCategory::good);
  EXPECT_NEAR(r.ess, 2000.0, 1e-6);
  // A spread well above rounding is still fitted.
  for (size_t i = 0; i < lr.size(); ++i) lr[i] = -2.5 + 1e-6 * static_cast<double>(i % 97);
  EXPECT_TRUE(std::isfinite(psis(lr).k_hat));
}

TEST(Psis, LightTailedRatiosGiveSmallK) {
  // q = N(0, 2²) wider than p = N(0, 1): the ratios are bounded, k < 0.
  auto theta = normals(4000, 2.0, 5);
  std::vector<double> lr;
  for (double t : theta) lr.push_back(log_normal(t, 1.0) - log_normal(t, 2.0));
  EXPECT_LT(psis(lr).k_hat, 0.0);
  // q = p up to small noise in the log ratios (log-normal ratios with sd 0.1).
  auto noise = normals(4000, 0.1, 6);
  auto r = psis(noise);
  EXPECT_LT(r.k_hat, 0.5);
  EXPECT_GT(r.ess, 0.95 * 4000);
}

TEST(Psis, NarrowProposalGivesLargeK) {
  // q = N(0, 0.5²) for p = N(0, 1): w ∝ exp(1.5 θ²) has P(w > t) ∝ t^{−4/3}, true k = 0.75.
  auto theta = normals(4000, 0.5, 9);
  std::vector<double> lr;
  for (double t : theta) lr.push_back(log_normal(t, 1.0) - log_normal(t, 0.5));
  auto r = psis(lr);
  EXPECT_GT(r.k_hat, 0.5);
  EXPECT_LT(r.k_hat, 1.0);
  EXPECT_LT(r.ess, 0.9 * 4000);
}

TEST(Psis, ShiftInvariantAndNormalised) {
  auto lr = normals(500, 1.3, 11);
  auto shifted = lr;
  for (auto& v : shifted) v += 1234.5;
  auto a = psis(lr), b = psis(shifted);
  EXPECT_NEAR(a.k_hat, b.k_hat, 1e-9);
  double total = 0;
  for (size_t i = 0; i < lr.size(); ++i) {
    EXPECT_NEAR(a.log_weights[i], b.log_weights[i], 1e-9);
    total += std::exp(a.log_weights[i]);
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(Psis, SmallSamplesAreNotSmoothed) {
  // S = 20: tail ceil(min(4, 13.4)) = 4 < 5 draws, so k is not estimated and the
  // weights are the normalised raw ones.
  std::vector<double> lr = normals(20, 1.0, 13);
  auto r = psis(lr);
  EXPECT_TRUE(std::isnan(r.k_hat));
  EXPECT_EQ(pareto_k_category(r.k_hat), ParetoKCategory::not_estimated);
  double lse = 0;
  for (double v : lr) lse += std::exp(v);
  for (size_t i = 0; i < lr.size(); ++i) EXPECT_NEAR(r.log_weights[i], lr[i] - std::log(lse), 1e-12);
}

TEST(Psis, EigenOverloadAndValidation) {
  auto lr = normals(300, 1.0, 17);
  Eigen::VectorXd v = Eigen::Map<Eigen::VectorXd>(lr.data(), 300);
  EXPECT_EQ(psis(v).k_hat, psis(lr).k_hat);
  EXPECT_EQ(psis_tail_length(4000), 190);  // ceil(min(800, 189.7))
  EXPECT_EQ(psis_tail_length(100), 20);
  EXPECT_THROW(psis(std::vector<double>{}), DomainError);
  EXPECT_THROW(psis(std::vector<double>{1.0, NAN, 2.0}), DomainError);
  EXPECT_THROW(psis(std::vector<double>{1.0, INFINITY}), DomainError);
  EXPECT_THROW(psis(std::vector<double>{-INFINITY, -INFINITY}), DomainError);
  // −inf is a zero weight.
  auto r = psis(std::vector<double>{0.0, -INFINITY, 0.0});
  EXPECT_EQ(std::exp(r.log_weights[1]), 0.0);
  EXPECT_NEAR(std::exp(r.log_weights[0]), 0.5, 1e-15);
}

}  // namespace
}  // namespace elbo::diagnostics
