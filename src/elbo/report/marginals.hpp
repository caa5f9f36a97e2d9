#pragma once
// Marginal densities of the scalar parameters: a grid of the first few (a
// page of 500 histograms is slow to read and to render), and a <select> that
// shows any one of the others.
#include <string>
#include <vector>

namespace elbo::report {

/// One parameter's chart: a density histogram, its kernel density estimate
/// and the draws' mean as a dashed line. `id` is the <svg>'s id.
std::string marginal_chart(const std::string& id, const std::string& name, const std::vector<double>& draws);

struct MarginalsOptions {
  size_t grid = 24;         // charts shown at once
  size_t selectable = 500;  // further ones behind the <select>; beyond that, a note
};

/// The section body for `names[i]` with draws `columns[i]`, titled
/// `labels[i]` (e.g. "beta.1 (mean_radius)"; the name when labels is shorter).
std::string marginals_html(const std::vector<std::string>& names, const std::vector<std::string>& labels,
                           const std::vector<std::vector<double>>& columns, const MarginalsOptions& options);

}  // namespace elbo::report
