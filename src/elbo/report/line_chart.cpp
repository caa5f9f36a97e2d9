#include "elbo/report/line_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "elbo/report/density.hpp"
#include "elbo/report/fields.hpp"

namespace elbo::report {

Extent robust_y_extent(const std::vector<double>& ys) {
  const Extent all = extent_of(ys);
  size_t finite = 0;
  for (double y : ys) finite += std::isfinite(y) ? 1 : 0;
  if (finite < 8) return all;
  const double q10 = quantile(ys, 0.1), q90 = quantile(ys, 0.9);
  const double core = q90 - q10;
  if (!(core > 0) || all.hi - all.lo <= 100 * core) return all;
  return {std::max(all.lo, q10 - 10 * core), std::min(all.hi, q90 + 10 * core)};
}

std::string line_chart(ChartOptions options, const std::vector<Series>& series, std::string* note) {
  std::vector<double> xs, ys;
  for (const auto& s : series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
  }
  const Extent y = robust_y_extent(ys);
  size_t below = 0, above = 0;
  for (double v : ys) {
    if (!std::isfinite(v)) continue;
    below += v < y.lo ? 1 : 0;
    above += v > y.hi ? 1 : 0;
  }
  if (note) {
    note->clear();
    if (below + above > 0) {
      *note = fmt::format("The y axis leaves out {} value{} far from the rest ({}{}{}).", below + above,
                          below + above == 1 ? "" : "s", below ? fmt::format("{} below {}", below, format_number(y.lo)) : "",
                          below && above ? ", " : "", above ? fmt::format("{} above {}", above, format_number(y.hi)) : "");
    }
  }
  Chart chart(options, padded(extent_of(xs), 0.01), padded(y, 0.05));
  chart.axes();
  for (const auto& s : series) {
    // Points outside the axis are drawn at it (clipped), so the line still shows where they are.
    std::vector<double> clamped = s.y;
    for (double& v : clamped)
      if (std::isfinite(v)) v = std::clamp(v, y.lo - 0.05 * (y.hi - y.lo), y.hi + 0.05 * (y.hi - y.lo));
    chart.polyline(s.x, clamped, s.css_class);
    if (s.x.size() == 1) chart.points(s.x, clamped, "point", 3);  // a lone evaluation is a point
  }
  if (series.size() > 1) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& s : series) entries.emplace_back(s.label, s.css_class);
    chart.legend(entries);
  }
  return chart.str();
}

}  // namespace elbo::report
