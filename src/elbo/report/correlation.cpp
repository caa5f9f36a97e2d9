#include "elbo/report/correlation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

namespace elbo::report {

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = std::min(a.size(), b.size());
  double ma = 0, mb = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) continue;
    ma += a[i];
    mb += b[i];
    ++m;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (m < 2) return nan;
  ma /= static_cast<double>(m);
  mb /= static_cast<double>(m);
  double saa = 0, sbb = 0, sab = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) continue;
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
    sab += (a[i] - ma) * (b[i] - mb);
  }
  if (!(saa > 0) || !(sbb > 0)) return nan;
  return std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
}

std::vector<size_t> most_correlated(const std::vector<std::vector<double>>& columns, size_t max_params,
                                    size_t max_columns) {
  const size_t d = std::min(columns.size(), max_columns);
  std::vector<std::tuple<double, size_t, size_t>> pairs;  // (-|r|, i, j): sorts strongest first
  std::vector<bool> usable(d, false);
  for (size_t i = 0; i < d; ++i) {
    for (size_t j = i + 1; j < d; ++j) {
      const double r = correlation(columns[i], columns[j]);
      if (std::isnan(r)) continue;
      usable[i] = usable[j] = true;
      pairs.emplace_back(-std::abs(r), i, j);
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::vector<size_t> chosen;
  auto take = [&](size_t k) {
    if (chosen.size() < max_params && std::find(chosen.begin(), chosen.end(), k) == chosen.end()) {
      chosen.push_back(k);
    }
  };
  for (const auto& [neg_r, i, j] : pairs) {
    if (chosen.size() >= max_params) break;
    // a pair is worth showing only whole: skip it when just one slot is left
    // and neither member is in yet
    const bool has_i = std::find(chosen.begin(), chosen.end(), i) != chosen.end();
    const bool has_j = std::find(chosen.begin(), chosen.end(), j) != chosen.end();
    if (!has_i && !has_j && chosen.size() + 2 > max_params) continue;
    take(i);
    take(j);
  }
  for (size_t k = 0; k < d && chosen.size() < max_params; ++k)
    if (usable[k]) take(k);
  return chosen;
}

}  // namespace elbo::report
