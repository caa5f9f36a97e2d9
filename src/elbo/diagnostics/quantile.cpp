#include "elbo/diagnostics/quantile.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::diagnostics {
namespace {

void check_probs(const char* function, const std::vector<double>& probs) {
  for (size_t i = 0; i < probs.size(); ++i) {
    if (!(probs[i] >= 0 && probs[i] <= 1)) {
      throw DomainError(check_message(function, "probs", static_cast<int64_t>(i), probs[i],
                                      "in [0, 1]"));
    }
  }
}

}  // namespace

std::vector<double> quantiles_type7(std::vector<double> x, const std::vector<double>& probs) {
  const char* function = "quantiles_type7";
  if (x.empty()) throw DomainError("quantiles_type7: the sample is empty");
  check_probs(function, probs);
  std::sort(x.begin(), x.end());
  const auto n = static_cast<double>(x.size());
  std::vector<double> out;
  out.reserve(probs.size());
  for (double p : probs) {
    const double h = (n - 1) * p;
    const double lo = std::floor(h);
    const auto i = static_cast<size_t>(lo);
    const double frac = h - lo;
    if (i + 1 >= x.size()) {
      out.push_back(x.back());
    } else {
      out.push_back(x[i] + frac * (x[i + 1] - x[i]));
    }
  }
  return out;
}

std::vector<double> weighted_quantiles(const std::vector<double>& x,
                                       const std::vector<double>& weights,
                                       const std::vector<double>& probs) {
  const char* function = "weighted_quantiles";
  if (x.empty()) throw DomainError("weighted_quantiles: the sample is empty");
  if (weights.size() != x.size()) {
    throw DomainError("weighted_quantiles: weights has " + std::to_string(weights.size()) +
                      " values, but the sample has " + std::to_string(x.size()));
  }
  check_probs(function, probs);
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i])) {
      throw DomainError(check_message(function, "weights", static_cast<int64_t>(i), weights[i],
                                      "finite and nonnegative"));
    }
    total += weights[i];
  }
  if (!(total > 0)) throw DomainError("weighted_quantiles: the weights sum to zero");
  const bool equal = std::all_of(weights.begin(), weights.end(),
                                 [&](double w) { return w == weights.front(); });
  if (equal) return quantiles_type7(x, probs);

  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> xs(x.size()), cum(x.size());
  double running = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    xs[i] = x[order[i]];
    running += weights[order[i]];
    cum[i] = running;
  }
  for (double& c : cum) c /= running;
  std::vector<double> out;
  out.reserve(probs.size());
  for (double p : probs) {
    auto it = std::find_if(cum.begin(), cum.end(), [&](double c) { return c >= p; });
    size_t i = it == cum.end() ? cum.size() - 1 : static_cast<size_t>(it - cum.begin());
    if (i == 0) {
      out.push_back(xs[0]);
    } else {
      out.push_back(xs[i - 1] + (xs[i] - xs[i - 1]) * (p - cum[i - 1]) / (cum[i] - cum[i - 1]));
    }
  }
  return out;
}

}  // namespace elbo::diagnostics
