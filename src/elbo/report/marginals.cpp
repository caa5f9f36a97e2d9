#include "elbo/report/marginals.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "elbo/report/density.hpp"
#include "elbo/report/html.hpp"
#include "elbo/report/svg.hpp"

namespace elbo::report {

std::string marginal_chart(const std::string& id, const std::string& name, const std::vector<double>& draws) {
  ChartOptions o;
  o.id = id;
  o.css_class = "marginal-chart";
  o.width = 276;
  o.height = 170;
  o.left = 12;
  o.right = 12;
  o.top = 24;
  o.bottom = 24;
  o.title = name;
  o.y_axis = false;  // a density's height is read against its neighbours, not a scale
  o.x_ticks = 5;
  const Histogram h = histogram(draws);
  const Curve k = kde(draws);
  double top = 0, sum = 0;
  size_t n = 0;
  for (double d : h.density) top = std::max(top, d);
  for (double d : k.y) top = std::max(top, d);
  for (double v : draws) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++n;
  }
  if (h.edges.empty()) {
    Chart chart(o, {0, 1}, {0, 1});
    chart.axes();
    chart.text_px(o.width / 2, o.height / 2, "no finite draws", "note-label", "middle");
    return chart.str();
  }
  const Extent x = extent_of(h.edges, k.x);
  Chart chart(o, x, {0, top > 0 ? top * 1.08 : 1});
  chart.axes();
  chart.bars(h.edges, h.density, "bar");
  chart.polyline(k.x, k.y, "kde");
  if (n > 0) chart.vline(sum / static_cast<double>(n), "mean-line");
  return chart.str();
}

std::string marginals_html(const std::vector<std::string>& names, const std::vector<std::string>& labels,
                           const std::vector<std::vector<double>>& columns, const MarginalsOptions& options) {
  const size_t d = std::min(names.size(), columns.size());
  auto label = [&](size_t i) { return i < labels.size() ? labels[i] : names[i]; };
  const size_t grid = std::min(d, options.grid);
  std::string out = "<div class=\"charts\" id=\"marginal-grid\">";
  for (size_t i = 0; i < grid; ++i) out += marginal_chart(fmt::format("marginal-{}", i), label(i), columns[i]);
  out += "</div>";
  if (d > grid) {
    const size_t extra = std::min(d - grid, options.selectable);
    out += fmt::format(
        "<p><label for=\"marginal-select\">{} more parameter{}: </label><select id=\"marginal-select\" "
        "data-panels=\"marginal-panel\">",
        d - grid, d - grid == 1 ? "" : "s");
    for (size_t i = grid; i < grid + extra; ++i) {
      out += "<option value=\"" + escape_html(names[i]) + "\">" + escape_html(label(i)) + "</option>";
    }
    out += "</select></p><div class=\"charts\" id=\"marginal-extra\">";
    for (size_t i = grid; i < grid + extra; ++i) {
      out += "<div class=\"panel marginal-panel\" data-key=\"" + escape_html(names[i]) + "\"" +
             (i == grid ? "" : " hidden") + ">" + marginal_chart(fmt::format("marginal-{}", i), label(i), columns[i]) +
             "</div>";
    }
    out += "</div>";
    if (d > grid + extra) {
      out += fmt::format("<p class=\"note\">{} further parameters are not drawn (the report draws at most {}); "
                         "their summaries are in the table below.</p>",
                         d - grid - extra, grid + extra);
    }
  }
  return out;
}

}  // namespace elbo::report
