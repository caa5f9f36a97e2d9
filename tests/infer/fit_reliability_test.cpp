// The reliability verdict (fit_reliability.hpp): a fit that passes every rule is
// reliable; each rule, failed alone, flips it and says why.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "elbo/infer/fit_reliability.hpp"

namespace elbo::infer {
namespace {

FitDiagnostics good() {
  FitDiagnostics d;
  d.converged = true;
  d.convergence_message = "mean ELBO converged";
  d.k_hat = 0.3;
  d.k_threshold = 0.7;
  d.has_density = true;
  d.num_draws = 1000;
  d.importance_ess = 800;
  return d;
}

bool mentions(const Reliability& r, const std::string& text) {
  for (const auto& s : r.reasons) {
    if (s.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(FitReliability, AFitThatPassesEveryRuleIsReliable) {
  auto r = assess_reliability(good());
  EXPECT_TRUE(r.reliable);
  EXPECT_TRUE(r.reasons.empty());
  EXPECT_TRUE(r.notes.empty());
}

TEST(FitReliability, UnconvergedIsUnreliable) {
  auto d = good();
  d.converged = false;
  d.convergence_message = "max iterations reached";
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_EQ(r.reasons[0], "not converged (max iterations reached)");
}

TEST(FitReliability, KHatAtOrAboveTheThresholdIsUnreliable) {
  auto d = good();
  d.k_hat = 0.7;
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  EXPECT_TRUE(mentions(r, "k-hat = 0.70 >= 0.70"));
  d.k_hat = 0.69;
  EXPECT_TRUE(assess_reliability(d).reliable);
  // The sample-size dependent threshold of the PsisResult is the one applied.
  d.k_threshold = 0.667;
  d.k_hat = 0.68;
  EXPECT_FALSE(assess_reliability(d).reliable);
}

TEST(FitReliability, InfiniteOrUnknownKHatIsUnreliableWithItsReason) {
  auto d = good();
  d.k_hat = std::numeric_limits<double>::infinity();
  d.k_hat_reason = "every one of the 1000 draws of q has a non-finite log density";
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  EXPECT_TRUE(mentions(r, "k-hat is inf: every one of the 1000 draws"));
  d.k_hat = std::numeric_limits<double>::quiet_NaN();
  d.k_hat_reason.clear();
  r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  EXPECT_TRUE(mentions(r, "k-hat is inf (unknown)"));
  // −inf: the largest ratios are all equal, the weights bounded.
  d.k_hat = -std::numeric_limits<double>::infinity();
  EXPECT_TRUE(assess_reliability(d).reliable);
}

TEST(FitReliability, NoDensityCannotBeChecked) {
  auto d = good();
  d.has_density = false;
  d.k_hat = std::numeric_limits<double>::quiet_NaN();
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_EQ(r.reasons[0], "no density q: k-hat cannot check it");
}

TEST(FitReliability, MoreThanOnePercentNonFiniteDrawsIsUnreliable) {
  auto d = good();
  d.nonfinite_output_draws = 10;  // exactly 1%: allowed
  EXPECT_TRUE(assess_reliability(d).reliable);
  d.nonfinite_output_draws = 11;
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  EXPECT_TRUE(mentions(r, "11 of 1000 draws of q (1.1%) have a non-finite log density"));
}

TEST(FitReliability, ResamplingWithATinyEssIsUnreliable) {
  auto d = good();
  d.resampled = true;
  d.num_draws = 10000;
  d.importance_ess = 150;  // >= max(10, 100)
  EXPECT_TRUE(assess_reliability(d).reliable);
  d.importance_ess = 99;
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  EXPECT_TRUE(mentions(r, "copies of a few draws"));
  EXPECT_DOUBLE_EQ(min_resample_ess(10000), 100.0);
  EXPECT_DOUBLE_EQ(min_resample_ess(100), 10.0);
}

TEST(FitReliability, ARefusedResamplingIsUnreliable) {
  auto d = good();
  d.importance_ess = 1.2;
  d.resample_refused = true;
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  EXPECT_TRUE(mentions(r, "importance resampling was refused"));
  EXPECT_TRUE(mentions(r, "the draws are q's own"));
}

TEST(FitReliability, DroppedGradientDrawsAndRestartsAreNotesNotFailures) {
  auto d = good();
  d.dropped_draws = 12;
  d.gradient_draws_total = 8000;
  d.restarts = 2;
  auto r = assess_reliability(d);
  EXPECT_TRUE(r.reliable);
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_EQ(r.notes[0], "12 of 8000 gradient draws (0.15%) had a non-finite log density and were dropped");
  EXPECT_EQ(r.notes[1], "the run restarted 2 times after a divergence");
}

TEST(FitReliability, EveryFailedRuleIsListed) {
  FitDiagnostics d;
  d.converged = false;
  d.has_density = false;
  d.num_draws = 100;
  d.nonfinite_output_draws = 50;
  auto r = assess_reliability(d);
  EXPECT_FALSE(r.reliable);
  EXPECT_EQ(r.reasons.size(), 3u);
}

}  // namespace
}  // namespace elbo::infer
