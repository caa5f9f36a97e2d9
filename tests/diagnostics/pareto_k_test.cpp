// Pareto k̂ thresholds and messages (Vehtari et al. 2024, table 1).
#include "elbo/diagnostics/pareto_k.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace elbo::diagnostics {
namespace {

TEST(ParetoK, SampleSizeThreshold) {
  EXPECT_NEAR(pareto_k_threshold(100), 0.5, 1e-15);          // 1 − 1/2
  EXPECT_NEAR(pareto_k_threshold(1000), 2.0 / 3.0, 1e-15);   // 1 − 1/3
  EXPECT_NEAR(pareto_k_threshold(100000), 0.7, 1e-15);       // min(0.8, 0.7)
  EXPECT_NEAR(pareto_k_threshold(0), 0.7, 0);
}

TEST(ParetoK, Categories) {
  EXPECT_EQ(pareto_k_category(-0.3), ParetoKCategory::good);
  EXPECT_EQ(pareto_k_category(-INFINITY), ParetoKCategory::good);
  EXPECT_EQ(pareto_k_category(0.49), ParetoKCategory::good);
  EXPECT_EQ(pareto_k_category(0.5), ParetoKCategory::ok);
  EXPECT_EQ(pareto_k_category(0.69), ParetoKCategory::ok);
  EXPECT_EQ(pareto_k_category(0.7), ParetoKCategory::unreliable);
  EXPECT_EQ(pareto_k_category(1.0), ParetoKCategory::very_bad);
  EXPECT_EQ(pareto_k_category(INFINITY), ParetoKCategory::very_bad);
  EXPECT_EQ(pareto_k_category(NAN), ParetoKCategory::not_estimated);
  // With S = 1000 the threshold is 2/3: 0.68 is already unreliable.
  EXPECT_EQ(pareto_k_category(0.68, 1000), ParetoKCategory::unreliable);
  EXPECT_EQ(pareto_k_category(0.66, 1000), ParetoKCategory::ok);
  // With S = 50 the threshold 1 − 1/log10(50) ≈ 0.41 is below 0.5.
  EXPECT_EQ(pareto_k_category(0.45, 50), ParetoKCategory::unreliable);
}

TEST(ParetoK, Messages) {
  EXPECT_EQ(pareto_k_message(0.31),
            "Pareto k = 0.31 (good: k < 0.5; the importance-weighted estimates are reliable)");
  EXPECT_EQ(pareto_k_message(0.6),
            "Pareto k = 0.60 (ok: 0.5 <= k < 0.70; the importance-weighted estimates are usable)");
  EXPECT_NE(pareto_k_message(0.8).find("unreliable: k >= 0.70"), std::string::npos);
  EXPECT_NE(pareto_k_message(0.68, 1000).find("with this few draws"), std::string::npos);
  EXPECT_NE(pareto_k_message(1.3).find("very bad"), std::string::npos);
  EXPECT_EQ(to_string(ParetoKCategory::unreliable), "unreliable");
}

}  // namespace
}  // namespace elbo::diagnostics
