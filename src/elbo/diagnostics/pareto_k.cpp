#include "elbo/diagnostics/pareto_k.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace elbo::diagnostics {

double pareto_k_threshold(int64_t num_draws) {
  if (num_draws <= 1) return 0.7;
  return std::min(1.0 - 1.0 / std::log10(static_cast<double>(num_draws)), 0.7);
}

ParetoKCategory pareto_k_category(double k_hat, int64_t num_draws) {
  if (std::isnan(k_hat)) return ParetoKCategory::not_estimated;
  if (k_hat >= 1) return ParetoKCategory::very_bad;
  if (k_hat >= pareto_k_threshold(num_draws)) return ParetoKCategory::unreliable;
  if (k_hat < 0.5) return ParetoKCategory::good;
  return ParetoKCategory::ok;
}

std::string to_string(ParetoKCategory category) {
  switch (category) {
    case ParetoKCategory::good: return "good";
    case ParetoKCategory::ok: return "ok";
    case ParetoKCategory::unreliable: return "unreliable";
    case ParetoKCategory::very_bad: return "very bad";
    case ParetoKCategory::not_estimated: return "not estimated";
  }
  return "unknown";
}

std::string pareto_k_message(double k_hat, int64_t num_draws, const std::string& reason) {
  if (k_hat == std::numeric_limits<double>::infinity()) {
    return "Pareto k = inf (not estimable: " +
           (reason.empty() ? std::string("the importance weights could not be fitted") : reason) +
           "; importance sampling can neither check nor correct q)";
  }
  const double threshold = pareto_k_threshold(num_draws);
  char k_text[64], t_text[64];
  std::snprintf(k_text, sizeof k_text, "%.2f", k_hat);
  std::snprintf(t_text, sizeof t_text, "%.2f", threshold);
  const std::string head = std::string("Pareto k = ") + k_text + " (";
  switch (pareto_k_category(k_hat, num_draws)) {
    case ParetoKCategory::good:
      return head + "good: k < 0.5; the importance-weighted estimates are reliable)";
    case ParetoKCategory::ok:
      return head + "ok: 0.5 <= k < " + t_text +
             "; the importance-weighted estimates are usable)";
    case ParetoKCategory::unreliable:
      return head + "unreliable: k >= " + t_text +
             "; the approximation is too far from the target for importance sampling" +
             (threshold < 0.7 ? " with this few draws" : "") + ")";
    case ParetoKCategory::very_bad:
      return head + "very bad: k >= 1; the importance ratios have no finite mean)";
    case ParetoKCategory::not_estimated:
      return "Pareto k not estimated (too few draws to fit the tail)";
  }
  return head + ")";
}

}  // namespace elbo::diagnostics
