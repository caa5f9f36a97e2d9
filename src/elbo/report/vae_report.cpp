// The report of an `elbo train vae` directory (summary.json + PNG grids).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "elbo/io/text_file.hpp"
#include "elbo/report/base64.hpp"
#include "elbo/report/fields.hpp"
#include "elbo/report/kind_reports.hpp"
#include "elbo/report/line_chart.hpp"

namespace elbo::report {
namespace {

ChartOptions epoch_chart(const std::string& id, const std::string& y_label) {
  ChartOptions o;
  o.id = id;
  o.css_class = "trace-chart";
  o.width = 560;
  o.height = 260;
  o.left = 70;
  o.x_label = "epoch";
  o.x_integer = true;
  o.y_label = y_label;
  o.x_ticks = 6;
  return o;
}

std::string traces_html(const nlohmann::json& s) {
  Series bound{"bound", {}, {}, "line"}, recon{"reconstruction", {}, {}, "line secondary"},
      kl{"KL", {}, {}, "line"};
  if (s.contains("history") && s["history"].is_array()) {
    for (const auto& h : s["history"]) {
      if (!h.is_object()) continue;
      const double e = number_or_nan(h.value("epoch", nlohmann::json()));
      bound.x.push_back(e);
      bound.y.push_back(number_or_nan(h.value("bound", nlohmann::json())));
      recon.x.push_back(e);
      recon.y.push_back(number_or_nan(h.value("recon", nlohmann::json())));
      kl.x.push_back(e);
      kl.y.push_back(number_or_nan(h.value("kl", nlohmann::json())));
    }
  }
  if (bound.x.empty()) return "<p class=\"note\">summary.json has no training history.</p>";
  std::string n1, n2;
  std::string out = "<div class=\"charts\">" +
                    line_chart(epoch_chart("vae-bound", "per image, nats"), {bound, recon}, &n1) +
                    line_chart(epoch_chart("vae-kl", "KL(q(z|x) ‖ p(z)), nats"), {kl}, &n2) + "</div>";
  return out + "<p class=\"note\">The training objective (" + escape_html(s.value("objective", std::string())) +
         ") and its reconstruction term per epoch, averaged over the training images, and the KL term. " +
         escape_html(n1 + " " + n2) + "</p>";
}

std::string active_units_html(const nlohmann::json& s) {
  if (!s.contains("active_unit_variances") || !s["active_unit_variances"].is_array()) return "";
  std::vector<double> v;
  for (const auto& x : s["active_unit_variances"]) v.push_back(number_or_nan(x));
  if (v.empty()) return "";
  ChartOptions o;
  o.id = "vae-active-units";
  o.css_class = "latent-chart";
  o.width = 560;
  o.height = 240;
  o.x_label = "latent unit";
  o.x_integer = true;
  o.y_label = "Var over x of E[z|x]";
  o.x_ticks = static_cast<int>(std::min<size_t>(v.size(), 10));
  double top = 0.01;
  for (double x : v) top = std::max(top, std::isfinite(x) ? x : 0.0);
  Chart chart(o, {-0.5, static_cast<double>(v.size()) - 0.5}, {0, top * 1.08});
  chart.axes();
  for (size_t i = 0; i < v.size(); ++i) {
    chart.bars({i - 0.4, i + 0.4}, {v[i]}, v[i] > 0.01 ? "bar active" : "bar inactive");
  }
  chart.polyline({-0.5, static_cast<double>(v.size()) - 0.5}, {0.01, 0.01}, "mean-line");
  return chart.str() + "<p class=\"note\">" +
         escape_html(fmt::format("{} of {} latent units active (variance of the encoder mean above 0.01, "
                                 "Burda et al. 2016; dashed line).",
                                 format_value(s.value("active_units", nlohmann::json())), v.size())) +
         "</p>";
}

std::string caption(const std::string& name) {
  if (name == "reconstructions.png") return "Reconstructions: rows of images, each followed by their reconstructions";
  if (name == "samples.png") return "Samples: decoder means of 100 draws from the prior";
  if (name == "traversals.png") return "Traversals: one row per latent (those varying most), swept from −3 to 3";
  return name;
}

std::string images_html(const FitDirectory& fit) {
  const auto& s = fit.summary;
  std::vector<std::string> names;
  if (s.contains("images") && s["images"].is_array()) {
    for (const auto& n : s["images"])
      if (n.is_string()) names.push_back(n.get<std::string>());
  }
  if (names.empty()) return "<p class=\"note\">The run wrote no image grids (no --output, or no image shape).</p>";
  std::string out, missing;
  for (const auto& name : names) {
    const std::string path = fit.file(name);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      missing += (missing.empty() ? "" : ", ") + name;
      continue;
    }
    const std::string bytes = io::read_text_file(path);
    if (bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
      missing += (missing.empty() ? "" : ", ") + name + " (not a PNG)";
      continue;
    }
    std::string id = "image-" + std::filesystem::path(name).stem().string();
    out += "<figure><img class=\"grid-image\" id=\"" + escape_html(id) + "\" alt=\"" + escape_html(caption(name)) +
           "\" src=\"" + data_uri("image/png", bytes) + "\"><figcaption>" + escape_html(caption(name)) +
           "</figcaption></figure>";
  }
  if (!missing.empty()) out += "<p class=\"note\">Not found: " + escape_html(missing) + ".</p>";
  return out;
}

std::string diagnostics_html(const nlohmann::json& s) {
  std::vector<std::pair<std::string, std::string>> f;
  if (s.contains("objective")) f.emplace_back("objective", format_value(s["objective"]));
  if (s.contains("epochs")) f.emplace_back("epochs", format_value(s["epochs"]));
  if (s.contains("history") && s["history"].is_array() && !s["history"].empty()) {
    const auto& last = s["history"].back();
    f.emplace_back("final training bound", format_value(last.value("bound", nlohmann::json())));
    f.emplace_back("final KL", format_value(last.value("kl", nlohmann::json())));
  }
  if (s.contains("test_log_likelihood") && s["test_log_likelihood"].is_object()) {
    const auto& t = s["test_log_likelihood"];
    f.emplace_back("test log p(x) (importance-sampled)",
                   fmt::format("{} ± {} (K = {}, {} images)", format_value(t.value("mean", nlohmann::json())),
                               format_value(t.value("standard_error", nlohmann::json())),
                               format_value(t.value("k", nlohmann::json())),
                               format_value(s.value("test_images", nlohmann::json()))));
  }
  if (s.contains("active_units")) {
    f.emplace_back("active units", format_value(s["active_units"]) + " of " +
                                       std::to_string(s.value("active_unit_variances", nlohmann::json::array()).size()));
  }
  if (s.contains("train_seconds")) f.emplace_back("training time", format_value(s["train_seconds"]) + " s");
  return fields_table(f);
}

}  // namespace

void add_vae_sections(Page& page, const FitDirectory& fit, const ReportOptions&) {
  const auto& s = fit.summary;
  page.add_section("diagnostics", "Fit", diagnostics_html(s));
  page.add_section("trace", "Training bound", traces_html(s));
  page.add_section("latents", "Latent units", active_units_html(s));
  page.add_section("images", "Images", images_html(fit));
  page.add_section("marginals", "Marginal densities",
                   "<p class=\"note\">A VAE's posterior is amortized (q(z|x) per image): there are no global "
                   "scalar parameters to draw; the latent units' activity is above.</p>");
  page.add_section("settings", "Settings", settings_html(s, {"history", "active_unit_variances", "images"}));
}

}  // namespace elbo::report
