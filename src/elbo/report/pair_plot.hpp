#pragma once
// A pair plot (scatter-plot matrix): histograms on the diagonal, the draws of
// each pair below it, their correlation above it.
#include <string>
#include <vector>

namespace elbo::report {

/// One <svg id="pair-plot"> of nested cell charts ("pair-plot-<row>-<col>");
/// at most `max_points` draws per scatter (every k-th draw, so the picture
/// is the same each time).
std::string pair_plot(const std::vector<std::string>& names, const std::vector<std::vector<double>>& columns,
                      size_t max_points = 400, double cell = 170);

}  // namespace elbo::report
