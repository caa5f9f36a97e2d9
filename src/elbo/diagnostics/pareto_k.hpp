#pragma once
// Reading a Pareto k̂ (Vehtari et al., "Pareto smoothed importance sampling",
// JMLR 2024, section 3 and table 1): k̂ < 0.5 good; k̂ below the sample-size
// dependent threshold min(1 − 1/log10 S, 0.7) ok; above it the estimate is
// unreliable; k̂ ≥ 1 means the ratios have no finite mean.
#include <cstdint>
#include <string>

namespace elbo::diagnostics {

enum class ParetoKCategory {
  good,           // k̂ < 0.5 (and below the threshold)
  ok,             // 0.5 ≤ k̂ < threshold
  unreliable,     // threshold ≤ k̂ < 1
  very_bad,       // k̂ ≥ 1
  not_estimated,  // NaN: too few draws to fit the tail
};

/// min(1 − 1/log10 S, 0.7); 0.7 when num_draws <= 0 (unknown).
double pareto_k_threshold(int64_t num_draws);
ParetoKCategory pareto_k_category(double k_hat, int64_t num_draws = 0);
/// "good", "ok", "unreliable", "very bad", "not estimated".
std::string to_string(ParetoKCategory category);
/// A one-line reading, e.g. "Pareto k = 0.82 (unreliable: k >= 0.7; ...)".
/// k̂ = +inf stands for "could not be estimated" (infer::draw_posterior reports
/// it so, never NaN): "Pareto k = inf (not estimable: <reason>; ...)".
std::string pareto_k_message(double k_hat, int64_t num_draws = 0, const std::string& reason = "");

}  // namespace elbo::diagnostics
