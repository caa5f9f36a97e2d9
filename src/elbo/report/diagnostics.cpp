#include "elbo/report/diagnostics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "elbo/report/fields.hpp"
#include "elbo/report/html.hpp"

namespace elbo::report {
namespace {

std::string badge(const std::string& level, const std::string& text, const std::string& id = "") {
  return "<span class=\"verdict " + level + "\"" + (id.empty() ? "" : " id=\"" + id + "\"") + ">" +
         escape_html(text) + "</span>";
}

std::string list_html(const nlohmann::json& items, const std::string& css_class) {
  if (!items.is_array() || items.empty()) return "";
  std::string out = "<ul class=\"" + css_class + "\">";
  for (const auto& item : items) out += "<li>" + escape_html(format_value(item)) + "</li>";
  return out + "</ul>";
}

std::string row(const std::string& name, const std::string& value_html) {
  return "<tr><th>" + escape_html(name) + "</th><td>" + value_html + "</td></tr>";
}

// --method auto: each rung of the ladder it climbed, and which one it kept.
std::string auto_ladder_html(const nlohmann::json& s) {
  if (!s.contains("method_details") || !s["method_details"].is_object()) return "";
  const auto& d = s["method_details"];
  if (!d.contains("auto") || !d["auto"].is_object() || !d["auto"].contains("rungs")) return "";
  const auto& a = d["auto"];
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : a["rungs"]) {
    if (!r.is_object()) continue;
    const bool reliable = r.value("reliable", false);
    std::string reasons;
    for (const auto& reason : r.value("reasons", nlohmann::json::array())) {
      reasons += (reasons.empty() ? "" : "; ") + format_value(reason);
    }
    rows.push_back({"<td class=\"num\">" + escape_html(format_value(r.value("rung", nlohmann::json()))) + "</td>",
                    "<td>" + escape_html(format_value(r.value("method", nlohmann::json()))) + "</td>",
                    "<td>" + badge(reliable ? "good" : "bad", reliable ? "reliable" : "not reliable") + "</td>",
                    "<td class=\"num\">" + escape_html(format_value(r.value("pareto_k", nlohmann::json()))) + "</td>",
                    "<td class=\"num\">" + escape_html(format_value(r.value("seconds", nlohmann::json()))) + "</td>",
                    "<td>" + escape_html(reasons) + "</td>"});
  }
  return "<h3>The --method auto ladder</h3>" +
         html_table({"rung", "method", "verdict", "k̂", "seconds", "reasons"}, rows, "auto-ladder") +
         "<p class=\"note\">" +
         escape_html("Kept: rung " + format_value(a.value("chosen", nlohmann::json())) + ", " +
                     format_value(a.value("chosen_method", nlohmann::json())) + ".") +
         "</p>";
}

}  // namespace

KhatVerdict k_hat_verdict(const nlohmann::json& pareto_k, double threshold, const std::string& reason) {
  const std::string because = reason.empty() ? "" : " (" + reason + ")";
  if (pareto_k.is_null()) return {"warn", "no k̂: " + (reason.empty() ? std::string("q has no density") : reason)};
  if (pareto_k.is_string()) {
    const auto s = pareto_k.get<std::string>();
    if (s == "-inf") return {"good", "k̂ = −inf: the largest density ratios are all equal" + because};
    return {"bad", "k̂ = " + s + ": cannot be estimated" + because};
  }
  const double k = number_or_nan(pareto_k);
  if (std::isnan(k)) return {"bad", "k̂ is not a number" + because};
  if (!std::isfinite(threshold)) threshold = 0.7;
  const std::string value = fmt::format("k̂ = {:.3g}", k);
  if (k < 0.5) return {"good", value + ": good (below 0.5)"};
  if (k < threshold) return {"warn", value + fmt::format(": usable (below the threshold {:.3g})", threshold)};
  return {"bad", value + fmt::format(": too large (threshold {:.3g}): q's draws cannot be importance-weighted "
                                     "to the posterior",
                                     threshold)};
}

std::string advi_diagnostics_html(const nlohmann::json& s) {
  std::string out;
  const bool reliable = s.value("reliable", false);
  out += "<p>" + badge(reliable ? "good" : "bad", reliable ? "reliable" : "not reliable", "verdict") + "</p>";
  if (s.contains("reliability")) {
    const auto& r = s["reliability"];
    if (r.contains("reasons") && !r["reasons"].empty()) {
      out += "<p>Why not:</p>" + list_html(r["reasons"], "reasons");
    }
    if (r.contains("notes") && !r["notes"].empty()) out += "<p>Notes:</p>" + list_html(r["notes"], "notes");
  }
  std::string rows;
  const double threshold = s.contains("pareto_k_threshold") ? number_or_nan(s["pareto_k_threshold"]) : 0.7;
  const auto k = k_hat_verdict(s.contains("pareto_k") ? s["pareto_k"] : nlohmann::json(nullptr), threshold,
                               s.value("pareto_k_reason", std::string()));
  std::string k_html = badge(k.level, k.text, "k-hat");
  if (s.contains("pareto_k_diagnostic") && s["pareto_k_diagnostic"].is_string()) {
    k_html += "<br><span class=\"note\">" + escape_html(s["pareto_k_diagnostic"].get<std::string>()) + "</span>";
  }
  rows += row("Pareto k̂", k_html);
  if (s.contains("converged")) {
    const bool converged = s.value("converged", false);
    std::string c = badge(converged ? "good" : "bad", converged ? "converged" : "not converged", "convergence");
    if (s.contains("convergence")) c += " " + escape_html(format_value(s["convergence"]));
    if (s.contains("iterations")) c += escape_html(" after " + format_value(s["iterations"]) + " iterations");
    rows += row("Convergence", c);
  }
  if (s.contains("elbo")) rows += row("Final " + s.value("bound", std::string("ELBO")), escape_html(format_value(s["elbo"])));
  if (s.contains("nonfinite_draws") && s["nonfinite_draws"].is_object()) {
    const auto& n = s["nonfinite_draws"];
    rows += row("Draws with a non-finite log density (dropped)",
                escape_html(format_value(n.value("count", nlohmann::json(0))) + " of " +
                            format_value(n.value("of", nlohmann::json(0)))));
  }
  if (s.contains("importance_resampled")) {
    std::string ir = s.value("importance_resampled", false) ? "yes" : "no";
    if (s.value("importance_resample_refused", false)) ir += " (refused: the ESS was too small)";
    if (s.contains("importance_ess")) ir += "; ESS " + format_value(s["importance_ess"]);
    rows += row("Importance resampling", escape_html(ir));
  }
  if (s.contains("summary_weighting")) {
    const auto w = s.value("summary_weighting", std::string());
    const std::string what = w == "psis"        ? "PSIS-weighted draws of q"
                             : w == "resampled" ? "importance-resampled draws"
                                                : "q's own draws (not importance-weighted)";
    rows += row("Posterior summary from", escape_html(what));
  }
  if (s.contains("mode_check") && s["mode_check"].is_object()) {
    const auto& m = s["mode_check"];
    const bool missed = m.value("missed_mode", false);
    rows += row("Mode check", badge(missed ? "bad" : "good", missed ? "a mode outside q" : "no other mode found") +
                                  " " + escape_html(m.value("message", std::string())));
  }
  if (s.contains("method_details") && s["method_details"].is_object()) {
    const auto& m = s["method_details"];
    if (m.contains("dropped_draws")) {
      rows += row("Gradient draws dropped (non-finite or throwing)", escape_html(format_value(m["dropped_draws"])));
    }
    if (m.contains("skipped_steps")) rows += row("Steps skipped (non-finite)", escape_html(format_value(m["skipped_steps"])));
    if (m.contains("restarts") && m["restarts"].is_array()) {
      rows += row("Restarts after a divergence", escape_html(std::to_string(m["restarts"].size())));
    }
  }
  if (s.contains("timings") && s["timings"].is_object()) {
    std::string t;
    for (const auto& [key, value] : s["timings"].items()) {
      t += (t.empty() ? "" : ", ") + key + " " + format_value(value) + " s";
    }
    rows += row("Time", escape_html(t));
  }
  out += "<table class=\"fields\" id=\"diagnostics-table\"><tbody>" + rows + "</tbody></table>";
  out += auto_ladder_html(s);
  return out;
}

}  // namespace elbo::report
