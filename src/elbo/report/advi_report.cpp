// The report of an `elbo fit` directory (draws.csv + summary.json).
#include <fmt/format.h>

#include "elbo/report/correlation.hpp"
#include "elbo/report/diagnostics.hpp"
#include "elbo/report/draws_csv.hpp"
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

std::string posterior_table_html(const nlohmann::json& s, const std::vector<std::string>& names) {
  const auto& summary = s.contains("summary") ? s["summary"] : nlohmann::json::object();
  std::vector<std::vector<std::string>> rows;
  const size_t limit = 2000;
  for (size_t i = 0; i < names.size() && i < limit; ++i) {
    std::vector<std::string> row = {"<td>" + escape_html(names[i]) + "</td>"};
    const auto p = summary.contains(names[i]) ? summary[names[i]] : nlohmann::json::object();
    for (const char* key : {"mean", "sd", "q5", "q50", "q95"}) {
      row.push_back("<td class=\"num\">" + escape_html(p.contains(key) ? format_value(p[key]) : "") + "</td>");
    }
    rows.push_back(std::move(row));
  }
  std::string out = html_table({"parameter", "mean", "sd", "5%", "50%", "95%"}, rows, "posterior-table");
  if (names.size() > limit) out += fmt::format("<p class=\"note\">First {} of {} parameters.</p>", limit, names.size());
  const auto w = s.value("summary_weighting", std::string());
  if (w == "psis") out += "<p class=\"note\">PSIS-weighted; q's own summary is summary_q in summary.json.</p>";
  return out;
}

}  // namespace

void add_advi_sections(Page& page, const FitDirectory& fit, const ReportOptions& options) {
  const auto& s = fit.summary;
  const VariationalDraws draws = read_variational_csv(fit.file("draws.csv"));
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  for (size_t c : draws.parameter_columns()) {
    names.push_back(draws.columns[c]);
    columns.push_back(draws.values[c]);
  }

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
    marg += marginals_html(names, columns, {options.marginals, options.selectable});
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
  page.add_section("posterior", "Posterior summary", posterior_table_html(s, names));
  page.add_section("settings", "Settings",
                   settings_html(s, {"summary", "summary_q", "elbo_trace", "reliability", "reliable",
                                     "pareto_k_diagnostic", "timings", "nonfinite_draws", "mode_check"}));
}

}  // namespace elbo::report
