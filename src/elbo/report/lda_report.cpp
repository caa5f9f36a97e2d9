// The report of an `elbo fit lda` directory (summary.json + topics.json).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/report/fields.hpp"
#include "elbo/report/kind_reports.hpp"
#include "elbo/report/line_chart.hpp"

namespace elbo::report {
namespace {

ChartOptions trace_options(const std::string& id, const std::string& y_label, const std::string& x_label) {
  ChartOptions o;
  o.id = id;
  o.css_class = "trace-chart";
  o.width = 560;
  o.height = 260;
  o.left = 70;
  o.x_label = x_label;
  o.x_integer = true;
  o.y_label = y_label;
  return o;
}

std::string step_name(const nlohmann::json& s) {
  const auto m = s.value("method", std::string());
  return m == "svi" || m == "scvb0" ? "step" : "iteration";
}

std::string traces_html(const nlohmann::json& s) {
  Series elbo{"ELBO", {}, {}, "line"}, perplexity{"held-out perplexity", {}, {}, "line secondary"};
  if (s.contains("elbo_trace") && s["elbo_trace"].is_array()) {
    for (size_t i = 0; i < s["elbo_trace"].size(); ++i) {
      elbo.x.push_back(static_cast<double>(i + 1));
      elbo.y.push_back(number_or_nan(s["elbo_trace"][i]));
    }
  }
  if (s.contains("trace") && s["trace"].is_array()) {
    for (const auto& t : s["trace"]) {
      if (!t.is_object()) continue;
      const double it = number_or_nan(t.value("iteration", nlohmann::json()));
      if (t.contains("perplexity")) {
        perplexity.x.push_back(it);
        perplexity.y.push_back(number_or_nan(t["perplexity"]));
      }
    }
    if (elbo.x.empty()) {  // no per-iteration trace: the evaluations' ELBO, if any
      for (const auto& t : s["trace"]) {
        if (!t.is_object() || !t.contains("elbo")) continue;
        elbo.x.push_back(number_or_nan(t.value("iteration", nlohmann::json())));
        elbo.y.push_back(number_or_nan(t["elbo"]));
      }
    }
  }
  std::string out = "<div class=\"charts\">";
  std::string notes;
  if (!elbo.x.empty()) {
    std::string note;
    out += line_chart(trace_options("elbo-trace", "ELBO", step_name(s)), {elbo}, &note);
    notes += note;
  }
  if (!perplexity.x.empty()) {
    std::string note;
    out += line_chart(trace_options("perplexity-trace", "held-out perplexity", step_name(s)), {perplexity}, &note);
    notes += (notes.empty() ? "" : " ") + note;
  }
  out += "</div>";
  if (elbo.x.empty()) {
    notes += " " + s.value("method", std::string()) +
             " records no ELBO per iteration (cavi does; svi, cvb0 and scvb0 optimise other objectives).";
  }
  if (perplexity.x.empty()) {
    notes += s.contains("heldout_perplexity")
                 ? " Held-out perplexity is recorded at the end only (fit with --eval-every N for its trace)."
                 : " No documents were held out (--heldout-fraction), so there is no held-out perplexity.";
  }
  return out + "<p class=\"note\">" + escape_html(notes) + "</p>";
}

std::string diagnostics_html(const nlohmann::json& s) {
  std::vector<std::pair<std::string, std::string>> f;
  auto add = [&](const std::string& name, const char* key, const std::string& unit = "") {
    if (s.contains(key)) f.emplace_back(name, format_value(s[key]) + unit);
  };
  add("method", "method");
  add("topics", "topics");
  add("training documents", "documents");
  add("held-out documents", "heldout_documents");
  add("held-out perplexity (document completion)", "heldout_perplexity");
  add("held-out log predictive per token", "heldout_log_predictive_per_token");
  add("converged", "converged");
  add("iterations", "iterations");
  add("steps", "steps");
  add("final ELBO", "elbo");
  add("fit time", "fit_seconds", " s");
  return fields_table(f, "fields");
}

std::string topics_html(const std::string& path) {
  const nlohmann::json topics = read_json_file(path);
  if (!topics.is_array()) throw InputError(path, 0, "", "not a list of topics");
  std::string out = "<div class=\"charts\" id=\"topics-grid\">";
  for (size_t k = 0; k < topics.size(); ++k) {
    const auto& t = topics[k];
    if (!t.is_object() || !t.contains("top_words") || !t["top_words"].is_array()) {
      throw InputError(path, 0, "", fmt::format("topic {}: no \"top_words\" list", k));
    }
    const auto& words = t["top_words"];
    const auto probs = t.value("probabilities", nlohmann::json::array());
    double top = 0;
    for (const auto& p : probs) top = std::max(top, number_or_nan(p));
    const auto id = t.value("topic", nlohmann::json(k));
    out += "<table class=\"topic-words\" id=\"topic-" + escape_html(format_value(id)) +
           "\"><thead><tr><th colspan=\"2\">topic " + escape_html(format_value(id)) + "</th></tr></thead><tbody>";
    for (size_t i = 0; i < words.size(); ++i) {
      const double p = i < probs.size() ? number_or_nan(probs[i]) : std::nan("");
      const double width = top > 0 && std::isfinite(p) ? 60.0 * p / top : 0.0;
      out += "<tr><td>" + escape_html(format_value(words[i])) + "</td><td class=\"num\"><span class=\"wordbar\" style=\"width:" +
             fmt::format("{:.0f}", width) + "px\"></span>" + escape_html(std::isfinite(p) ? fmt::format("{:.4f}", p) : "") +
             "</td></tr>";
    }
    out += "</tbody></table>";
  }
  out += "</div><p class=\"note\">Each topic's most probable words and their probability under the topic "
         "(E[β] of the fitted Dirichlet; the whole matrix is in topics.csv).</p>";
  return out;
}

}  // namespace

void add_lda_sections(Page& page, const FitDirectory& fit, const ReportOptions&) {
  const auto& s = fit.summary;
  const std::string topics = topics_html(fit.file("topics.json"));  // read first: a bad file fails the report
  page.add_section("diagnostics", "Fit", diagnostics_html(s));
  page.add_section("trace", "ELBO and held-out perplexity", traces_html(s));
  page.add_section("topics", "Topics", topics);
  page.add_section("marginals", "Marginal densities",
                   "<p class=\"note\">LDA's fit has no draws of scalar parameters: its posterior is the "
                   "Dirichlet of each topic (topics.csv) and of each document's proportions.</p>");
  page.add_section("settings", "Settings", settings_html(s, {"elbo_trace", "trace"}));
}

}  // namespace elbo::report
