// Histograms, kernel density estimates, correlations and the pair plot's choice.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "elbo/report/correlation.hpp"
#include "elbo/report/density.hpp"

using namespace elbo::report;

namespace {
std::vector<double> normal_draws(size_t n, double mean, double sd, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}
}  // namespace

TEST(ReportDensity, HistogramOfKnownValues) {
  const Histogram h = histogram({0, 0.5, 1, 1.5, 2, 2, std::nan("")}, 2);
  ASSERT_EQ(h.edges, (std::vector<double>{0, 1, 2}));
  // 6 finite values: [0, 1) holds 0 and 0.5, [1, 2] holds 1, 1.5, 2, 2
  EXPECT_DOUBLE_EQ(h.density[0], 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(h.density[1], 4.0 / 6.0);
}

TEST(ReportDensity, HistogramAreaIsOne) {
  const auto v = normal_draws(1000, 3, 2, 1);
  const Histogram h = histogram(v);
  EXPECT_EQ(h.density.size(), static_cast<size_t>(default_bins(1000)));  // 20
  double area = 0;
  for (size_t i = 0; i < h.density.size(); ++i) area += h.density[i] * (h.edges[i + 1] - h.edges[i]);
  EXPECT_NEAR(area, 1.0, 1e-12);
}

TEST(ReportDensity, ConstantAndEmptyInputs) {
  const Histogram c = histogram({4, 4, 4});
  EXPECT_EQ(c.edges, (std::vector<double>{3.5, 4.5}));
  EXPECT_TRUE(histogram({std::nan("")}).edges.empty());
  EXPECT_EQ(silverman_bandwidth({4, 4, 4}), 0.0);
  EXPECT_TRUE(kde({4, 4, 4}).x.empty());
}

TEST(ReportDensity, SilvermanBandwidthOfASmallSample) {
  // 1..5: sd = sqrt(2.5), IQR = 2 (type 7: 4 - 2), min(1.5811, 1.4925) = 1.4925
  const double h = silverman_bandwidth({1, 2, 3, 4, 5});
  EXPECT_NEAR(h, 0.9 * (2.0 / 1.34) * std::pow(5.0, -0.2), 1e-12);
  EXPECT_DOUBLE_EQ(quantile({5, 1, 3, 2, 4}, 0.25), 2.0);
  EXPECT_DOUBLE_EQ(quantile({1, 2}, 0.5), 1.5);
}

TEST(ReportDensity, KdeOfNormalDrawsIsANormalDensity) {
  const auto v = normal_draws(4000, 1, 0.5, 2);
  const Curve k = kde(v, 200);
  ASSERT_EQ(k.x.size(), 200u);
  double area = 0, peak_x = 0, peak = 0;
  for (size_t i = 0; i + 1 < k.x.size(); ++i) area += 0.5 * (k.y[i] + k.y[i + 1]) * (k.x[i + 1] - k.x[i]);
  for (size_t i = 0; i < k.x.size(); ++i)
    if (k.y[i] > peak) peak = k.y[i], peak_x = k.x[i];
  EXPECT_NEAR(area, 1.0, 1e-3);
  EXPECT_NEAR(peak_x, 1.0, 0.1);
  EXPECT_NEAR(peak, 1.0 / (0.5 * std::sqrt(2 * M_PI)), 0.06);  // slightly below: the kernel smooths
}

TEST(ReportCorrelation, KnownCorrelations) {
  EXPECT_NEAR(correlation({1, 2, 3, 4}, {2, 4, 6, 8}), 1.0, 1e-12);
  EXPECT_NEAR(correlation({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0, 1e-12);
  EXPECT_NEAR(correlation({1, 2, 3}, {1, 3, 2}), 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(correlation({1, 1, 1}, {1, 2, 3})));
  EXPECT_NEAR(correlation({1, 2, std::nan(""), 3}, {1, 2, 100, 3}), 1.0, 1e-12);  // rows with NaN skipped
}

TEST(ReportCorrelation, PairPlotTakesTheStrongestPairsFirst) {
  const auto a = normal_draws(500, 0, 1, 3), b = normal_draws(500, 0, 1, 4), c = normal_draws(500, 0, 1, 5),
             e = normal_draws(500, 0, 1, 6);
  std::vector<double> d(500), f(500);
  for (size_t i = 0; i < 500; ++i) {
    d[i] = -2 * b[i] + 0.1 * c[i];  // b, d: |r| ≈ 0.999
    f[i] = a[i] + e[i];             // a, f: r ≈ 0.7
  }
  const std::vector<std::vector<double>> cols = {a, b, c, d, e, f, std::vector<double>(500, 1.0)};
  const auto two = most_correlated(cols, 2);
  EXPECT_EQ(two, (std::vector<size_t>{1, 3}));
  const auto four = most_correlated(cols, 4);
  ASSERT_EQ(four.size(), 4u);
  EXPECT_EQ(four[0], 1u);
  EXPECT_EQ(four[1], 3u);
  // next strongest pairs are (a, f) and (e, f) at r ≈ 0.7
  EXPECT_TRUE(std::find(four.begin(), four.end(), 5u) != four.end());
  const auto all = most_correlated(cols, 10);
  EXPECT_EQ(all.size(), 6u);  // the constant column is never chosen
  EXPECT_TRUE(most_correlated({a}, 4).empty());
}
