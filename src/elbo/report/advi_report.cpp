// The report of an `elbo fit` directory (draws.csv + summary.json).
#include <fmt/format.h>

#include <map>

#include "elbo/report/correlation.hpp"
#include "elbo/report/diagnostics.hpp"
#include "elbo/io/draws_reader.hpp"
#include "elbo/report/fields.hpp"
#include "elbo/report/kind_reports.hpp"
#include "elbo/report/line_chart.hpp"
#include "elbo/report/marginals.hpp"
#include "elbo/report/pair_plot.hpp"

namespace elbo::report {
namespace {

std::string trace_html(const nlohmann::json& s) {
  Series elbo{s.value("bound", std::string("ELBO")), {}, {}, "line"};
  if (s.contains("elbo_trace") && s["elbo_trace"].is_array()) {
    for (const auto& t : s["elbo_trace"]) {
      if (!t.is_object()) continue;
      elbo.x.push_back(number_or_nan(t.value("iteration", nlohmann::json())));
      elbo.y.push_back(number_or_nan(t.value("elbo", nlohmann::json())));
    }
  }
  if (elbo.x.empty()) {
    return "<p class=\"note\" id=\"elbo-trace-none\">This method records no ELBO trace (" +
           escape_html(s.value("method", std::string())) + ").</p>";
  }
  ChartOptions o;
  o.id = "elbo-trace";
  o.css_class = "trace-chart";
  o.width = 760;
  o.height = 280;
  o.left = 70;
  o.x_label = "iteration";
  o.x_integer = true;
  o.y_label = elbo.label;
  std::string note;
  std::string out = line_chart(o, {elbo}, &note);
  out += "<p class=\"note\">" + escape_html(elbo.label) + " estimated every " +
         escape_html(format_value(s.contains("settings") ? s["settings"].value("eval_every", nlohmann::json()) : nullptr)) +
         " iterations. " + escape_html(note) + "</p>";
  return out;
}

// summary.json's data.scaling (regressions): the feature each coefficient column belongs to.
std::map<std::string, std::string> feature_names(const nlohmann::json& s) {
  std::map<std::string, std::string> out;
  if (!s.contains("data") || !s["data"].is_object() || !s["data"].contains("scaling")) return out;
  for (const auto& c : s["data"]["scaling"]) {
    if (c.is_object() && c.contains("column") && c.contains("feature") && c["column"].is_string() &&
        c["feature"].is_string()) {
      out[c["column"].get<std::string>()] = c["feature"].get<std::string>();
    }
  }
  return out;
}

std::string summary_table_html(const nlohmann::json& summary, const std::vector<std::string>& names,
                               const std::map<std::string, std::string>& features, const std::string& css_class) {
  std::vector<std::vector<std::string>> rows;
  const size_t limit = 2000;
  for (size_t i = 0; i < names.size() && i < limit; ++i) {
    std::vector<std::string> row = {"<td>" + escape_html(names[i]) + "</td>"};
    if (!features.empty()) {
      const auto f = features.find(names[i]);
      row.push_back("<td>" + escape_html(f == features.end() ? "" : f->second) + "</td>");
    }
    const auto p = summary.contains(names[i]) ? summary[names[i]] : nlohmann::json::object();
    for (const char* key : {"mean", "sd", "q5", "q50", "q95"}) {
      row.push_back("<td class=\"num\">" + escape_html(p.contains(key) ? format_value(p[key]) : "") + "</td>");
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"parameter", "mean", "sd", "5%", "50%", "95%"};
  if (!features.empty()) header.insert(header.begin() + 1, "feature");
  std::string out = html_table(header, rows, css_class);
  if (names.size() > limit) out += fmt::format("<p class=\"note\">First {} of {} parameters.</p>", limit, names.size());
  return out;
}

std::string posterior_html(const nlohmann::json& s, const std::vector<std::string>& names,
                           const std::map<std::string, std::string>& features) {
  std::string out = summary_table_html(s.contains("summary") ? s["summary"] : nlohmann::json::object(), names,
                                       features, "posterior-table");
  const auto w = s.value("summary_weighting", std::string());
  if (w == "psis") out += "<p class=\"note\">PSIS-weighted; q's own summary is summary_q in summary.json.</p>";
  if (s.contains("summary_original_scale") && s["summary_original_scale"].is_object()) {
    // regressions fit standardised features; this is the same posterior on the data's own scale
    std::vector<std::string> original;
    for (const auto& n : names)
      if (s["summary_original_scale"].contains(n)) original.push_back(n);
    out += "<h3>On the data's original scale</h3>" +
           summary_table_html(s["summary_original_scale"], original, features, "posterior-table original-scale");
  }
  return out;
}

}  // namespace

void add_advi_sections(Page& page, const FitDirectory& fit, const ReportOptions& options) {
  const auto& s = fit.summary;
  const io::VariationalDraws draws = io::read_variational_csv(fit.file("draws.csv"));
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  for (size_t c : draws.parameter_columns()) {
    names.push_back(draws.columns[c]);
    columns.push_back(draws.values[c]);
  }

  const auto features = feature_names(s);
  page.add_section("diagnostics", "Verdict and diagnostics", advi_diagnostics_html(s));
  page.add_section("trace", "ELBO trace", trace_html(s));

  const auto weighting = s.value("summary_weighting", std::string());
  std::string marg = fmt::format(
      "<p class=\"note\">Histograms and kernel density estimates (Silverman's bandwidth) of the {} draws in "
      "draws.csv ({}); the dashed line is their mean.</p>",
      draws.draws(), weighting == "resampled" ? "importance-resampled" : "q's own, not importance-weighted");
  if (names.empty()) {
    marg += "<p class=\"note\">draws.csv has no parameter columns.</p>";
  } else {
    std::vector<std::string> labels;
    for (const auto& n : names) {
      const auto f = features.find(n);
      labels.push_back(f == features.end() ? n : n + " (" + f->second + ")");
    }
    marg += marginals_html(names, labels, columns, {options.marginals, options.selectable});
  }
  page.add_section("marginals", "Marginal densities", marg);

  std::string pairs;
  const auto chosen = most_correlated(columns, options.pair_params);
  if (chosen.size() < 2) {
    pairs = "<p class=\"note\" id=\"pair-plot-none\">Fewer than two parameters vary: no pair plot.</p>";
  } else {
    std::vector<std::string> pn;
    std::vector<std::vector<double>> pc;
    for (size_t k : chosen) {
      pn.push_back(names[k]);
      pc.push_back(columns[k]);
    }
    pairs = "<p class=\"note\">The " + std::to_string(chosen.size()) +
            " parameters in the most strongly correlated pairs of draws" +
            (columns.size() > 200 ? " (among the first 200)" : "") + ".</p>" +
            pair_plot(pn, pc, options.scatter_points);
  }
  page.add_section("pairs", "Pair plot", pairs);
  page.add_section("posterior", "Posterior summary", posterior_html(s, names, features));
  page.add_section("settings", "Settings",
                   settings_html(s, {"summary", "summary_q", "summary_original_scale", "elbo_trace", "reliability", "reliable",
                                     "pareto_k_diagnostic", "timings", "nonfinite_draws", "mode_check"}));
}

}  // namespace elbo::report
