#pragma once
// Line charts of traces (ELBO per iteration, held-out perplexity, a VAE's
// bound per epoch). A trace whose first evaluations are orders of magnitude
// away from the rest (a start far from the optimum, a restart after a
// divergence) would flatten everything else into a line, so such outliers are
// left outside the y axis and the chart says so.
#include <string>
#include <vector>

#include "elbo/report/svg.hpp"

namespace elbo::report {

struct Series {
  std::string label;
  std::vector<double> x, y;
  std::string css_class = "line";
};

/// The y interval shown: all finite values, unless their range exceeds 100
/// times the central 80%'s, then that central range widened 10 times of
/// itself on each side (kept within the values).
Extent robust_y_extent(const std::vector<double>& ys);

/// An SVG line chart of the series (a legend when more than one). `note`, if
/// given, receives a sentence when values lie outside the y axis ("" if none).
std::string line_chart(ChartOptions options, const std::vector<Series>& series, std::string* note = nullptr);

}  // namespace elbo::report
