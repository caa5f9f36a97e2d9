#pragma once
// The verdict block of an `elbo fit` report: reliable or not (with the
// fit's own reasons), Pareto k-hat against its threshold, convergence, and
// the draws that were dropped or reweighted. Everything is read from
// summary.json; nothing is recomputed, so the report says what the fit said.
#include <nlohmann/json.hpp>

#include <string>

namespace elbo::report {

struct KhatVerdict {
  std::string level;  // "good", "warn" or "bad": the badge's CSS class
  std::string text;   // e.g. "k̂ = 0.42: good (below 0.5)"
};

/// PSIS's reading of k-hat (Vehtari et al. 2024): below 0.5 good, below the
/// fit's threshold (0.7, less for few draws) usable, else q's draws cannot be
/// importance-weighted to the posterior. `pareto_k` is summary.json's field:
/// a number, "inf" / "-inf", or null (no density q); `reason` is pareto_k_reason.
KhatVerdict k_hat_verdict(const nlohmann::json& pareto_k, double threshold, const std::string& reason = "");

/// The diagnostics section body for an `elbo fit` summary.json.
std::string advi_diagnostics_html(const nlohmann::json& summary);

}  // namespace elbo::report
