#pragma once
// Marginal densities of a parameter's draws: a density-scaled histogram and a
// Gaussian kernel density estimate. Both use only the finite draws.
#include <cstddef>
#include <vector>

namespace elbo::report {

struct Histogram {
  std::vector<double> edges;    // bins + 1 increasing edges
  std::vector<double> density;  // per bin: count / (n · width), so the bars' area is 1
};

/// The Rice rule's bin count, ceil(2 n^(1/3)), kept within [8, 40].
int default_bins(size_t n);

/// Histogram of the finite `values` over their range (bins <= 0: default_bins).
/// No finite value gives an empty histogram; a constant gives one bin of width 1.
Histogram histogram(const std::vector<double>& values, int bins = 0);

struct Curve {
  std::vector<double> x, y;
};

/// Silverman's rule of thumb, 0.9 min(sd, IQR / 1.34) n^(-1/5); 0 when the
/// finite values are fewer than two or all equal.
double silverman_bandwidth(const std::vector<double>& values);

/// Gaussian KDE of the finite `values` at `points` equally spaced x from
/// min − 3h to max + 3h (h: silverman_bandwidth). Empty when h is 0.
Curve kde(const std::vector<double>& values, int points = 96);

/// Linear-interpolated quantile (type 7, R's default) of the finite values; NaN if none.
double quantile(std::vector<double> values, double p);

}  // namespace elbo::report
