// Importance resampling: reproducible from a seed; frequencies match the
// normalised weights (with replacement, and for the first draw without).
#include "elbo/diagnostics/importance_resample.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "elbo/core/error.hpp"

namespace elbo::diagnostics {
namespace {

const std::vector<double> kLogW = {std::log(1.0), std::log(2.0), -INFINITY, std::log(3.0),
                                   std::log(4.0)};  // probabilities (1, 2, 0, 3, 4)/10

TEST(ImportanceResample, ReproducibleFromSeed) {
  auto a = importance_resample(kLogW, ImportanceResampleOptions().num_draws(50).seed(3));
  auto b = importance_resample(kLogW, ImportanceResampleOptions().num_draws(50).seed(3));
  auto c = importance_resample(kLogW, ImportanceResampleOptions().num_draws(50).seed(4));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(importance_resample(kLogW).size(), kLogW.size());  // default: S draws
}

TEST(ImportanceResample, WithReplacementFrequencies) {
  // Binomial sd of a frequency with N = 200000 is at most 0.0012; allow 5 sd.
  const int n = 200000;
  auto idx = importance_resample(kLogW, ImportanceResampleOptions().num_draws(n).seed(1));
  std::vector<double> freq(5, 0.0);
  for (auto i : idx) freq[i] += 1.0 / n;
  const double p[] = {0.1, 0.2, 0.0, 0.3, 0.4};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(freq[i], p[i], 0.006) << "index " << i;
  EXPECT_EQ(freq[2], 0.0);
}

TEST(ImportanceResample, WithoutReplacement) {
  // Successive sampling: the first index is drawn with probability w_i / Σ w,
  // the second given the first i with w_j / (Σ w − w_i).
  const int reps = 40000;
  std::vector<double> first(5, 0.0);
  double second_given_first_3 = 0, count_first_3 = 0;
  for (int r = 0; r < reps; ++r) {
    auto idx = importance_resample(
        kLogW, ImportanceResampleOptions().num_draws(4).replace(false).seed(1000 + r));
    ASSERT_EQ(idx.size(), 4u);
    EXPECT_EQ(std::set<int64_t>(idx.begin(), idx.end()).size(), 4u);
    EXPECT_EQ(std::count(idx.begin(), idx.end(), 2), 0);  // zero weight never drawn
    first[idx[0]] += 1.0 / reps;
    if (idx[0] == 3) {
      count_first_3 += 1;
      if (idx[1] == 4) second_given_first_3 += 1;
    }
  }
  const double p[] = {0.1, 0.2, 0.0, 0.3, 0.4};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(first[i], p[i], 0.012) << "index " << i;
  // P(second = 4 | first = 3) = 4 / (10 − 3).
  EXPECT_NEAR(second_given_first_3 / count_first_3, 4.0 / 7.0, 0.025);
}

TEST(ImportanceResample, Validation) {
  EXPECT_THROW(importance_resample({}), DomainError);
  EXPECT_THROW(importance_resample({0.0, NAN}), DomainError);
  EXPECT_THROW(importance_resample({-INFINITY, -INFINITY}), DomainError);
  EXPECT_THROW(
      importance_resample(kLogW, ImportanceResampleOptions().num_draws(5).replace(false)),
      DomainError);
  EXPECT_THROW(ImportanceResampleOptions().num_draws(-1), ConfigError);
}

}  // namespace
}  // namespace elbo::diagnostics
