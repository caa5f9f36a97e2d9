// The global minibatch (minibatch.hpp): a function of (seed, step) alone, S
// distinct sorted indices, uniform over the points, and split exactly by shards.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "elbo/distributed/minibatch.hpp"

namespace elbo::distributed {
namespace {

TEST(GlobalMinibatch, DistinctSortedInRangeAndReproducible) {
  for (int64_t step : {0, 1, 7, 1000000}) {
    const auto b = global_minibatch(1000, 37, 42, step);
    ASSERT_EQ(b.size(), 37u);
    EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
    EXPECT_EQ(std::set<int64_t>(b.begin(), b.end()).size(), 37u);
    EXPECT_GE(b.front(), 0);
    EXPECT_LT(b.back(), 1000);
    EXPECT_EQ(b, global_minibatch(1000, 37, 42, step));  // no hidden state
  }
  EXPECT_NE(global_minibatch(1000, 37, 42, 3), global_minibatch(1000, 37, 42, 4));
  EXPECT_NE(global_minibatch(1000, 37, 42, 3), global_minibatch(1000, 37, 43, 3));
  // the high half of a 64-bit seed matters too
  EXPECT_NE(global_minibatch(1000, 37, 1, 3), global_minibatch(1000, 37, 1 + (uint64_t{1} << 32), 3));
}

TEST(GlobalMinibatch, WholeDataWhenBatchCoversIt) {
  std::vector<int64_t> all(10);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(global_minibatch(10, 10, 1, 5), all);
  EXPECT_EQ(global_minibatch(10, 25, 1, 5), all);
}

TEST(GlobalMinibatch, EveryPointEquallyLikely) {
  // M = 50, S = 10 over 20000 steps: each count is Binomial(20000, 0.2),
  // mean 4000, sd 56.6; all 50 within 5 sd, and the chi-square statistic
  // (49 degrees of freedom) below its 0.9999 quantile (≈ 95).
  const int64_t M = 50, S = 10, T = 20000;
  std::vector<double> counts(M, 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i : global_minibatch(M, S, 9, t)) counts[static_cast<size_t>(i)] += 1;
  const double mean = static_cast<double>(T) * S / M, sd = std::sqrt(T * 0.2 * 0.8);
  double chi2 = 0;
  for (double c : counts) {
    EXPECT_NEAR(c, mean, 5 * sd);
    chi2 += (c - mean) * (c - mean) / mean;
  }
  EXPECT_LT(chi2 / (1 - 0.2), 95.0);
}

TEST(LocalPart, ShardsPartitionTheBatch) {
  const auto b = global_minibatch(103, 40, 5, 11);
  // shards [0, 30), [30, 31), [31, 31) (empty), [31, 103)
  const std::vector<std::pair<int64_t, int64_t>> shards{{0, 30}, {30, 1}, {31, 0}, {31, 72}};
  std::vector<int64_t> joined;
  for (const auto& [first, count] : shards) {
    const auto mine = local_part(b, first, count);
    for (int64_t i : mine) {
      EXPECT_GE(i, 0);
      EXPECT_LT(i, count);
      joined.push_back(i + first);
    }
  }
  EXPECT_EQ(joined, b);
  EXPECT_TRUE(local_part(b, 31, 0).empty());
}

}  // namespace
}  // namespace elbo::distributed
