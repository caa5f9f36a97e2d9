#include "elbo/report/pair_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "elbo/report/correlation.hpp"
#include "elbo/report/density.hpp"
#include "elbo/report/svg.hpp"

namespace elbo::report {
namespace {

std::vector<double> every_kth(const std::vector<double>& v, size_t max_points) {
  if (v.size() <= max_points || max_points == 0) return v;
  std::vector<double> out;
  const double step = static_cast<double>(v.size()) / static_cast<double>(max_points);
  for (size_t i = 0; i < max_points; ++i) out.push_back(v[static_cast<size_t>(i * step)]);
  return out;
}

ChartOptions cell_options(const std::string& id, double cell) {
  ChartOptions o;
  o.id = id;
  o.css_class = "pair-cell";
  o.width = cell;
  o.height = cell;
  o.left = 38;
  o.right = 6;
  o.top = 18;
  o.bottom = 22;
  o.x_ticks = 3;
  o.y_ticks = 3;
  return o;
}

}  // namespace

std::string pair_plot(const std::vector<std::string>& names, const std::vector<std::vector<double>>& columns,
                      size_t max_points, double cell) {
  const size_t m = std::min(names.size(), columns.size());
  std::vector<Extent> extents;
  for (size_t i = 0; i < m; ++i) extents.push_back(padded(extent_of(columns[i]), 0.04));
  std::string cells;
  for (size_t r = 0; r < m; ++r) {
    for (size_t c = 0; c < m; ++c) {
      auto o = cell_options(fmt::format("pair-plot-{}-{}", r, c), cell);
      if (r == c) {
        o.title = names[r];
        o.y_axis = false;
        const Histogram h = histogram(columns[r]);
        double top = 0;
        for (double d : h.density) top = std::max(top, d);
        Chart chart(o, extents[c], {0, top > 0 ? top * 1.08 : 1});
        chart.axes();
        chart.bars(h.edges, h.density, "bar");
        cells += chart.str(c * cell, r * cell);
      } else if (r > c) {
        Chart chart(o, extents[c], extents[r]);
        chart.axes();
        chart.points(every_kth(columns[c], max_points), every_kth(columns[r], max_points), "point", 1.6);
        cells += chart.str(c * cell, r * cell);
      } else {
        o.x_ticks = o.y_ticks = 0;
        Chart chart(o, {0, 1}, {0, 1});
        const double rho = correlation(columns[r], columns[c]);
        if (!std::isnan(rho)) {
          // a tint as strong as the correlation, blue for positive, red for negative
          chart.rect(0, 0, 1, 1, rho >= 0 ? "corr-bg positive" : "corr-bg negative", 0.5 * std::abs(rho));
        }
        chart.text_px(0.5 * (o.left + cell - o.right), 0.5 * (o.top + cell - o.bottom) + 5, std::isnan(rho) ? "r = n/a" : fmt::format("r = {:.2f}", rho),
                      "corr-label", "middle");
        cells += chart.str(c * cell, r * cell);
      }
    }
  }
  const double size = static_cast<double>(m) * cell;
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" id="pair-plot" class="chart pair-plot" width="{0}" height="{0}" viewBox="0 0 {0} {0}">{1}</svg>)",
      svg_number(size), cells);
}

}  // namespace elbo::report
