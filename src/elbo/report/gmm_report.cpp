// The report of an `elbo fit gmm` directory (gmm.json; the data file it names
// for the scatter plot, when it is still there).
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/report/density.hpp"
#include "elbo/report/fields.hpp"
#include "elbo/report/kind_reports.hpp"
#include "elbo/report/line_chart.hpp"

namespace elbo::report {
namespace {
namespace fs = std::filesystem;

struct Mixture {
  std::vector<double> weights;
  std::vector<Eigen::VectorXd> means;
  std::vector<Eigen::MatrixXd> covariances;
  Eigen::Index dims() const { return means.empty() ? 0 : means.front().size(); }
};

Mixture read_mixture(const nlohmann::json& s, const std::string& path) {
  Mixture m;
  try {
    m.weights = s.at("weights").get<std::vector<double>>();
    for (const auto& row : s.at("means")) {
      const auto v = row.get<std::vector<double>>();
      m.means.push_back(Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size())));
    }
    for (const auto& c : s.at("covariances")) {
      const auto rows = c.get<std::vector<std::vector<double>>>();
      Eigen::MatrixXd cov(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.size()));
      for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].size() != rows.size()) throw InputError(path, 0, "covariances", "a covariance is not square");
        for (size_t j = 0; j < rows.size(); ++j) cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
      }
      m.covariances.push_back(std::move(cov));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, "", std::string("weights, means or covariances malformed: ") + e.what());
  }
  const size_t k = m.weights.size();
  if (k == 0 || m.means.size() != k || m.covariances.size() != k) {
    throw InputError(path, 0, "", "weights, means and covariances do not have one entry per component");
  }
  for (size_t i = 0; i < k; ++i) {
    if (m.means[i].size() != m.dims() || m.covariances[i].rows() != m.dims()) {
      throw InputError(path, 0, "", fmt::format("component {}: the mean and covariance sizes differ", i));
    }
  }
  return m;
}

// The data the fit clustered, by the columns it used; empty when the file is gone.
std::vector<Eigen::VectorXd> read_points(const nlohmann::json& s, const FitDirectory& fit, std::string& note) {
  std::vector<Eigen::VectorXd> points;
  const auto data = s.value("data", std::string());
  if (data.empty()) return points;
  std::error_code ec;
  std::string path = data;
  if (!fs::exists(path, ec) && fs::path(data).is_relative()) path = fit.file(data);
  if (!fs::exists(path, ec)) {
    note = "The data file " + data + " is not there any more: the plot shows the components only.";
    return points;
  }
  try {
    const io::Table table = io::read_csv(path);
    std::vector<int64_t> cols;
    for (const auto& c : s.value("columns", std::vector<std::string>())) cols.push_back(table.column_index(c));
    for (int64_t r = 0; r < table.rows; ++r) {
      Eigen::VectorXd x(static_cast<Eigen::Index>(cols.size()));
      for (size_t j = 0; j < cols.size(); ++j) x(static_cast<Eigen::Index>(j)) = table.at(r, cols[j]);
      points.push_back(std::move(x));
    }
  } catch (const std::exception& e) {
    note = std::string("The data file could not be read again (") + e.what() + "): the plot shows the components only.";
    points.clear();
  }
  return points;
}

// Most probable component under the fitted (plug-in) Gaussians, in all dimensions.
std::vector<int> assign(const Mixture& m, const std::vector<Eigen::VectorXd>& points) {
  const size_t k = m.weights.size();
  std::vector<Eigen::LLT<Eigen::MatrixXd>> llt;
  std::vector<double> log_norm(k);
  for (size_t c = 0; c < k; ++c) {
    llt.emplace_back(m.covariances[c]);
    double log_det = 0;
    if (llt.back().info() == Eigen::Success) {
      log_det = 2 * llt.back().matrixL().toDenseMatrix().diagonal().array().log().sum();
    }
    log_norm[c] = std::log(std::max(m.weights[c], 1e-300)) - 0.5 * log_det;
  }
  std::vector<int> out;
  out.reserve(points.size());
  for (const auto& x : points) {
    int best = 0;
    double best_score = -std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < k; ++c) {
      if (llt[c].info() != Eigen::Success || x.size() != m.dims()) continue;
      const Eigen::VectorXd z = llt[c].matrixL().solve(x - m.means[c]);
      const double score = log_norm[c] - 0.5 * z.squaredNorm();
      if (score > best_score) {
        best_score = score;
        best = static_cast<int>(c);
      }
    }
    out.push_back(best);
  }
  return out;
}

std::string series_class(size_t k) { return fmt::format("s{}", k % 10); }

// The 2-sd ellipse of a 2-D Gaussian: mean + 2 (√λ1 cos t e1 + √λ2 sin t e2).
void ellipse(const Eigen::Vector2d& mean, const Eigen::Matrix2d& cov, std::vector<double>& xs, std::vector<double>& ys) {
  const double a = cov(0, 0), b = cov(0, 1), d = cov(1, 1);
  const double mid = 0.5 * (a + d), r = std::sqrt(std::max(0.25 * (a - d) * (a - d) + b * b, 0.0));
  const double l1 = std::max(mid + r, 0.0), l2 = std::max(mid - r, 0.0);
  const double angle = 0.5 * std::atan2(2 * b, a - d);
  const double c = std::cos(angle), s = std::sin(angle);
  for (int i = 0; i < 72; ++i) {
    const double t = 2 * M_PI * i / 72;
    const double u = 2 * std::sqrt(l1) * std::cos(t), v = 2 * std::sqrt(l2) * std::sin(t);
    xs.push_back(mean(0) + c * u - s * v);
    ys.push_back(mean(1) + s * u + c * v);
  }
}

std::string scatter_html(const Mixture& m, const std::vector<Eigen::VectorXd>& points, const std::vector<std::string>& names,
                         size_t max_points) {
  const size_t k = m.weights.size();
  std::vector<int> labels = assign(m, points);
  std::vector<size_t> shown;
  const double stride = points.size() > max_points ? static_cast<double>(points.size()) / max_points : 1.0;
  for (double i = 0; static_cast<size_t>(i) < points.size(); i += stride) shown.push_back(static_cast<size_t>(i));
  ChartOptions o;
  o.id = "gmm-scatter";
  o.css_class = "cluster-chart";
  o.width = 560;
  o.height = 440;
  if (m.dims() == 1) {
    // one column: the data's histogram under the weighted component densities
    std::vector<double> xs;
    for (const auto& p : points) xs.push_back(p(0));
    const Histogram h = histogram(xs);
    std::vector<double> lo_hi = xs;
    for (size_t c = 0; c < k; ++c) {
      const double sd = std::sqrt(std::max(m.covariances[c](0, 0), 0.0));
      lo_hi.push_back(m.means[c](0) - 3 * sd);
      lo_hi.push_back(m.means[c](0) + 3 * sd);
    }
    const Extent x = extent_of(lo_hi);
    std::vector<std::vector<double>> curves(k);
    std::vector<double> grid;
    double top = 0;
    for (double d : h.density) top = std::max(top, d);
    for (int i = 0; i < 160; ++i) grid.push_back(x.lo + (x.hi - x.lo) * i / 159);
    for (size_t c = 0; c < k; ++c) {
      const double sd = std::sqrt(std::max(m.covariances[c](0, 0), 1e-300));
      for (double g : grid) {
        const double z = (g - m.means[c](0)) / sd;
        curves[c].push_back(m.weights[c] * std::exp(-0.5 * z * z) / (sd * std::sqrt(2 * M_PI)));
        top = std::max(top, curves[c].back());
      }
    }
    o.x_label = names.empty() ? "x" : names[0];
    o.y_label = "density";
    Chart chart(o, padded(x, 0.02), {0, top * 1.08});
    chart.axes();
    chart.bars(h.edges, h.density, "bar");
    for (size_t c = 0; c < k; ++c) chart.polyline(grid, curves[c], "ellipse " + series_class(c));
    return chart.str();
  }
  std::vector<double> all_x, all_y;
  for (size_t i : shown) {
    all_x.push_back(points[i](0));
    all_y.push_back(points[i](1));
  }
  std::vector<std::vector<double>> ex(k), ey(k);
  for (size_t c = 0; c < k; ++c) {
    if (m.weights[c] < 0.01) continue;  // an emptied component: no ellipse to clutter the plot
    ellipse(m.means[c].head<2>(), m.covariances[c].topLeftCorner<2, 2>(), ex[c], ey[c]);
    all_x.insert(all_x.end(), ex[c].begin(), ex[c].end());
    all_y.insert(all_y.end(), ey[c].begin(), ey[c].end());
  }
  o.x_label = names.size() > 0 ? names[0] : "dimension 1";
  o.y_label = names.size() > 1 ? names[1] : "dimension 2";
  Chart chart(o, padded(extent_of(all_x), 0.03), padded(extent_of(all_y), 0.03));
  chart.axes();
  for (size_t c = 0; c < k; ++c) {
    std::vector<double> px, py;
    for (size_t i : shown) {
      if (labels[i] != static_cast<int>(c)) continue;
      px.push_back(points[i](0));
      py.push_back(points[i](1));
    }
    chart.points(px, py, "point " + series_class(c), 2.2);
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t c = 0; c < k; ++c) {
    if (m.weights[c] < 0.01) continue;
    chart.polygon(ex[c], ey[c], "ellipse " + series_class(c));
    chart.points({m.means[c](0)}, {m.means[c](1)}, "centre", 4);
    if (legend.size() < 10) legend.emplace_back(fmt::format("component {} ({:.2f})", c, m.weights[c]), series_class(c));
  }
  chart.legend(legend);
  return chart.str();
}

std::string weights_html(const Mixture& m) {
  ChartOptions o;
  o.id = "gmm-weights";
  o.css_class = "cluster-chart";
  o.width = 360;
  o.height = 240;
  o.x_label = "component";
  o.x_integer = true;
  o.y_label = "weight";
  const size_t k = m.weights.size();
  double top = 0;
  for (double w : m.weights) top = std::max(top, w);
  o.x_ticks = static_cast<int>(std::min<size_t>(k, 10));
  Chart chart(o, {-0.5, static_cast<double>(k) - 0.5}, {0, std::max(top, 1e-12) * 1.08});
  chart.axes();
  for (size_t c = 0; c < k; ++c) {
    chart.bars({c - 0.4, c + 0.4}, {m.weights[c]}, "weight-bar " + series_class(c));
  }
  return chart.str();
}

std::string components_table(const Mixture& m, const std::vector<std::string>& names) {
  std::vector<std::string> header = {"component", "weight"};
  const auto d = static_cast<size_t>(m.dims());
  for (size_t j = 0; j < d && j < 12; ++j) header.push_back(escape_html((j < names.size() ? names[j] : "x" + std::to_string(j)) + ": mean (sd)"));
  std::vector<std::vector<std::string>> rows;
  for (size_t c = 0; c < m.weights.size(); ++c) {
    std::vector<std::string> row = {"<td>" + std::to_string(c) + "</td>",
                                    "<td class=\"num\">" + fmt::format("{:.4f}", m.weights[c]) + "</td>"};
    for (size_t j = 0; j < d && j < 12; ++j) {
      const auto jj = static_cast<Eigen::Index>(j);
      row.push_back("<td class=\"num\">" + escape_html(format_number(m.means[c](jj)) + " (" +
                                                       format_number(std::sqrt(std::max(m.covariances[c](jj, jj), 0.0))) + ")") +
                    "</td>");
    }
    rows.push_back(std::move(row));
  }
  return html_table(header, rows, "components-table");
}

}  // namespace

void add_gmm_sections(Page& page, const FitDirectory& fit, const ReportOptions& options) {
  const auto& s = fit.summary;
  const Mixture m = read_mixture(s, fit.summary_path);
  const auto names = s.value("columns", std::vector<std::string>());
  std::vector<std::pair<std::string, std::string>> f;
  for (const char* key : {"method", "components", "rows", "converged", "iterations", "steps", "elbo", "fit_seconds"}) {
    if (s.contains(key)) f.emplace_back(key, format_value(s[key]));
  }
  page.add_section("diagnostics", "Fit", fields_table(f));
  if (s.contains("elbo_trace") && s["elbo_trace"].is_array() && !s["elbo_trace"].empty()) {
    Series e{"ELBO", {}, {}, "line"};
    for (size_t i = 0; i < s["elbo_trace"].size(); ++i) {
      e.x.push_back(static_cast<double>(i + 1));
      e.y.push_back(number_or_nan(s["elbo_trace"][i]));
    }
    ChartOptions o;
    o.id = "elbo-trace";
    o.css_class = "trace-chart";
    o.width = 760;
    o.height = 260;
    o.left = 70;
    o.x_label = "iteration";
    o.x_integer = true;
    o.y_label = "ELBO";
    std::string note;
    const std::string chart = line_chart(o, {e}, &note);
    page.add_section("trace", "ELBO trace", chart + "<p class=\"note\">" + escape_html(note) + "</p>");
  } else {
    page.add_section("trace", "ELBO trace",
                     "<p class=\"note\">SVI records the final ELBO only (" + escape_html(format_value(s.value("elbo", nlohmann::json()))) + ").</p>");
  }
  std::string note;
  const auto points = read_points(s, fit, note);
  std::string clusters = "<div class=\"charts\">" + scatter_html(m, points, names, options.cluster_points) +
                         weights_html(m) + "</div>";
  clusters += "<p class=\"note\">" +
              escape_html(m.dims() == 1
                              ? "The data's histogram and each component's weighted density."
                              : fmt::format("The data in its first two columns{}, coloured by the most probable "
                                            "component (under the fitted means and covariances, in all {} "
                                            "columns); 2-sd ellipses of the components with weight ≥ 0.01.",
                                            points.size() > options.cluster_points
                                                ? fmt::format(" ({} of {} points)", options.cluster_points, points.size())
                                                : "",
                                            m.dims())) +
              (note.empty() ? "" : " " + escape_html(note)) + "</p>";
  clusters += components_table(m, names);
  page.add_section("clusters", "Clusters", clusters);
  page.add_section("settings", "Settings",
                   settings_html(s, {"weights", "means", "covariances", "elbo_trace", "weight_concentration",
                                     "mean_precision", "degrees_of_freedom"}));
}

}  // namespace elbo::report
