#include "elbo/infer/fit_reliability.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace elbo::infer {

namespace {

std::string number(double x, const char* format = "%.3g") {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, x);
  return buffer;
}

std::string percent(int64_t part, int64_t whole) {
  return number(100.0 * static_cast<double>(part) / static_cast<double>(whole), "%.2g") + "%";
}

}  // namespace

double min_resample_ess(int64_t num_draws) {
  return std::max(10.0, 0.01 * static_cast<double>(num_draws));
}

Reliability assess_reliability(const FitDiagnostics& d) {
  Reliability r;
  if (!d.converged) {
    r.reasons.push_back("not converged" +
                        (d.convergence_message.empty() ? std::string()
                                                       : " (" + d.convergence_message + ")"));
  }
  if (!d.has_density) {
    r.reasons.push_back("no density q: k-hat cannot check it");
  } else if (std::isnan(d.k_hat) || d.k_hat == std::numeric_limits<double>::infinity()) {
    r.reasons.push_back("k-hat is inf" +
                        (d.k_hat_reason.empty() ? std::string(" (unknown)") : ": " + d.k_hat_reason));
  } else if (d.k_hat >= d.k_threshold) {
    r.reasons.push_back("k-hat = " + number(d.k_hat, "%.2f") + " >= " + number(d.k_threshold, "%.2f") +
                        ": q is too far from the posterior for importance sampling to correct it");
  }
  if (d.num_draws > 0 &&
      static_cast<double>(d.nonfinite_output_draws) > kMaxNonfiniteShare * static_cast<double>(d.num_draws)) {
    r.reasons.push_back(std::to_string(d.nonfinite_output_draws) + " of " + std::to_string(d.num_draws) +
                        " draws of q (" + percent(d.nonfinite_output_draws, d.num_draws) +
                        ") have a non-finite log density");
  }
  const double min_ess = min_resample_ess(d.num_draws);
  if (d.resampled && !(d.importance_ess >= min_ess)) {
    r.reasons.push_back("the draws were importance-resampled with an ESS of " + number(d.importance_ess) +
                        " (< " + number(min_ess) + "): they are copies of a few draws");
  }
  if (d.resample_refused) {
    r.reasons.push_back("importance resampling was refused: the ESS is " + number(d.importance_ess) +
                        " (< " + number(min_ess) + "), so the draws are q's own");
  }
  if (d.missed_mode) r.reasons.push_back(d.mode_check_message);
  if (d.dropped_draws > 0) {
    r.notes.push_back(std::to_string(d.dropped_draws) +
                      (d.gradient_draws_total > 0
                           ? " of " + std::to_string(d.gradient_draws_total) + " gradient draws (" +
                                 percent(d.dropped_draws, d.gradient_draws_total) + ")"
                           : std::string(" gradient draws")) +
                      " had a non-finite log density and were dropped");
  }
  if (d.restarts > 0) {
    r.notes.push_back("the run restarted " + std::to_string(d.restarts) +
                      (d.restarts == 1 ? " time" : " times") + " after a divergence");
  }
  r.reliable = r.reasons.empty();
  return r;
}

}  // namespace elbo::infer
