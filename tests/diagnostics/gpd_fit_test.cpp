// gpd_fit: tabulated values (Stan's khat test, the NumPy reference) and recovery
// of a known shape from generalized Pareto draws.
#include "elbo/diagnostics/gpd_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "diagnostics/reference_data.hpp"
#include "elbo/core/error.hpp"

namespace elbo::diagnostics {
namespace {

// Inverse-CDF draws of GPD(k, σ): x = σ ((1 − U)^{−k} − 1)/k.
std::vector<double> gpd_draws(double k, double sigma, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> x(n);
  for (auto& v : x) {
    double u = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
    v = sigma * std::expm1(-k * std::log1p(-u)) / k;
  }
  return x;
}

TEST(GpdFit, StanTabulatedValue) {
  // Stan's services test khat_compute_khat: x = (5, 3, 2, 4, 1) gives k = 0.1265339.
  EXPECT_NEAR(gpd_fit({5.0, 3.0, 2.0, 4.0, 1.0}).k, 0.1265339, 5e-8);
}

TEST(GpdFit, MatchesNumpyReference) {
  for (const auto& c : testing::reference()["gpdfit"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto x = c["x"].get<std::vector<double>>();
    auto fit = gpd_fit(x);
    EXPECT_NEAR(fit.k, c["k"].get<double>(), 1e-10);
    EXPECT_NEAR(fit.sigma, c["sigma"].get<double>(), 1e-10);
    auto raw = gpd_fit(x, GpdFitOptions().prior_adjustment(false));
    EXPECT_NEAR(raw.k, c["k_raw"].get<double>(), 1e-10);
  }
}

TEST(GpdFit, RecoversKnownShape) {
  // S = 10000 draws: the estimate's sd is about (1 + k)/sqrt(S) <= 0.02.
  uint64_t seed = 7;
  for (double k : {0.3, 0.7, 1.0, -0.3}) {
    SCOPED_TRACE(k);
    auto fit = gpd_fit(gpd_draws(k, 2.0, 10000, seed++));
    EXPECT_NEAR(fit.k, k, 0.06);
    EXPECT_NEAR(fit.sigma, 2.0, 0.12);
  }
}

TEST(GpdFit, QuantileInvertsTheCdf) {
  // F(x) = 1 − (1 + k x/σ)^{−1/k}.
  for (double k : {-0.4, 0.0, 0.5, 1.2}) {
    for (double p : {0.01, 0.5, 0.99}) {
      double x = gpd_quantile(p, k, 1.5);
      double cdf = k == 0 ? -std::expm1(-x / 1.5) : 1 - std::pow(1 + k * x / 1.5, -1 / k);
      EXPECT_NEAR(cdf, p, 1e-13) << "k=" << k << " p=" << p;
    }
  }
  EXPECT_TRUE(std::isnan(gpd_quantile(0.5, 0.3, 0.0)));
}

TEST(GpdFit, Validation) {
  EXPECT_THROW(gpd_fit({1.0}), DomainError);
  EXPECT_THROW(gpd_fit({1.0, -2.0, 3.0}), DomainError);
  EXPECT_THROW(gpd_fit({0.0, 0.0}), DomainError);
  EXPECT_THROW(gpd_fit({1.0, NAN}), DomainError);
  EXPECT_THROW(GpdFitOptions().min_grid_points(0), ConfigError);
}

}  // namespace
}  // namespace elbo::diagnostics
