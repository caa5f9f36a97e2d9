// The weighted summary with exact numbers: weights that make a two-point
// distribution P(0) = 1/4, P(10) = 3/4 from four draws.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>

#include "elbo/diagnostics/summary.hpp"

namespace elbo::diagnostics {
namespace {

TEST(WeightedSummary, TwoPointDistributionByHand) {
  Eigen::MatrixXd draws(4, 1);
  draws << 0.0, 10.0, 0.0, 10.0;
  Eigen::VectorXd w(4);
  w << 1.0, 3.0, 1.0, 3.0;  // normalised: 1/8, 3/8, 1/8, 3/8
  auto s = summarize(draws, {"x"}, w);
  ASSERT_EQ(s.parameters.size(), 1u);
  const auto& p = s.parameters[0];
  EXPECT_DOUBLE_EQ(p.mean, 7.5);
  // Σ w (x − μ)² = 1/4 · 56.25 + 3/4 · 6.25 = 18.75; 1 − Σ w² = 1 − 20/64 = 0.6875.
  EXPECT_NEAR(p.sd, std::sqrt(18.75 / 0.6875), 1e-12);
  // Sorted x = 0, 0, 10, 10 with cumulative weights 1/8, 1/4, 5/8, 1:
  // q5 = 0 (first cumulative weight >= 0.05); q50 interpolates (1/4, 0)–(5/8, 10):
  // 10 (0.5 − 0.25) / 0.375 = 20/3; q95 = 10.
  ASSERT_EQ(p.quantiles.size(), 3u);
  EXPECT_DOUBLE_EQ(p.quantiles[0], 0.0);
  EXPECT_NEAR(p.quantiles[1], 20.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(p.quantiles[2], 10.0);
}

TEST(WeightedSummary, ZeroWeightDrawsDoNotCount) {
  Eigen::MatrixXd draws(3, 1);
  draws << 1.0, 5.0, 100.0;
  Eigen::VectorXd w(3);
  w << 0.5, 0.5, 0.0;
  auto s = summarize(draws, {"x"}, w);
  EXPECT_DOUBLE_EQ(s.parameters[0].mean, 3.0);
  // Σ w (x − μ)² = 4, 1 − Σ w² = 0.5.
  EXPECT_NEAR(s.parameters[0].sd, std::sqrt(8.0), 1e-12);
}

}  // namespace
}  // namespace elbo::diagnostics
