#include "elbo/report/density.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace elbo::report {
namespace {

std::vector<double> finite(const std::vector<double>& values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values)
    if (std::isfinite(v)) out.push_back(v);
  return out;
}

double sorted_quantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = (static_cast<double>(sorted.size()) - 1) * std::clamp(p, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

int default_bins(size_t n) {
  return std::clamp(static_cast<int>(std::ceil(2.0 * std::cbrt(static_cast<double>(n)))), 8, 40);
}

Histogram histogram(const std::vector<double>& values, int bins) {
  const auto v = finite(values);
  Histogram h;
  if (v.empty()) return h;
  const auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
  const double lo = *lo_it, hi = *hi_it;
  if (lo == hi) {
    h.edges = {lo - 0.5, lo + 0.5};
    h.density = {1.0};
    return h;
  }
  if (bins <= 0) bins = default_bins(v.size());
  const double width = (hi - lo) / bins;
  for (int i = 0; i <= bins; ++i) h.edges.push_back(i == bins ? hi : lo + i * width);
  std::vector<double> counts(static_cast<size_t>(bins), 0.0);
  for (double x : v) {
    auto b = static_cast<int>((x - lo) / width);
    counts[static_cast<size_t>(std::clamp(b, 0, bins - 1))] += 1;  // x == hi joins the last bin
  }
  const double n = static_cast<double>(v.size());
  for (double c : counts) h.density.push_back(c / (n * width));
  return h;
}

double quantile(std::vector<double> values, double p) {
  auto v = finite(values);
  std::sort(v.begin(), v.end());
  return sorted_quantile(v, p);
}

double silverman_bandwidth(const std::vector<double>& values) {
  auto v = finite(values);
  if (v.size() < 2) return 0.0;
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double mean = 0;
  for (double x : v) mean += x;
  mean /= n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / (n - 1));
  const double iqr = sorted_quantile(v, 0.75) - sorted_quantile(v, 0.25);
  // min(sd, IQR/1.34) unless the IQR is 0 (over half the draws equal): then sd.
  const double spread = iqr > 0 ? std::min(sd, iqr / 1.34) : sd;
  if (!(spread > 0)) return 0.0;
  return 0.9 * spread * std::pow(n, -0.2);
}

Curve kde(const std::vector<double>& values, int points) {
  Curve c;
  const double h = silverman_bandwidth(values);
  if (!(h > 0) || points < 2) return c;
  const auto v = finite(values);
  const auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
  const double lo = *lo_it - 3 * h, hi = *hi_it + 3 * h;
  const double norm = 1.0 / (static_cast<double>(v.size()) * h * std::sqrt(2 * M_PI));
  for (int i = 0; i < points; ++i) {
    const double x = lo + (hi - lo) * i / (points - 1);
    double sum = 0;
    for (double xi : v) {
      const double u = (x - xi) / h;
      if (std::abs(u) < 8) sum += std::exp(-0.5 * u * u);  // beyond 8h a term is below 1e-14
    }
    c.x.push_back(x);
    c.y.push_back(sum * norm);
  }
  return c;
}

}  // namespace elbo::report
