#include "elbo/diagnostics/importance_resample.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::diagnostics {

ImportanceResampleOptions& ImportanceResampleOptions::num_draws(int64_t n) {
  if (n < 0) {
    throw ConfigError(check_message("ImportanceResampleOptions", "num_draws", -1,
                                    static_cast<double>(n), "nonnegative"));
  }
  num_draws_ = n;
  return *this;
}

namespace {

// Uniform on the open interval (0, 1) from 53 random bits.
double uniform_open(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace

std::vector<int64_t> importance_resample(const std::vector<double>& log_weights,
                                         const ImportanceResampleOptions& options) {
  const char* function = "importance_resample";
  const auto s = static_cast<int64_t>(log_weights.size());
  if (s == 0) throw DomainError("importance_resample: there are no weights");
  int64_t positive = 0;
  for (int64_t i = 0; i < s; ++i) {
    const double v = log_weights[i];
    if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) {
      throw DomainError(check_message(function, "log_weights", i, v, "not NaN and not +inf"));
    }
    if (v > -std::numeric_limits<double>::infinity()) ++positive;
  }
  if (positive == 0) throw DomainError("importance_resample: every weight is zero");
  const int64_t n = options.num_draws_ > 0 ? options.num_draws_ : s;
  if (!options.replace_ && n > positive) {
    throw DomainError(check_message(function, "num_draws", -1, static_cast<double>(n),
                                    "at most the number of positive weights (" +
                                        std::to_string(positive) + ") without replacement"));
  }
  const double max_lw = *std::max_element(log_weights.begin(), log_weights.end());
  std::mt19937_64 rng(options.seed_);
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(n));

  if (options.replace_) {
    // Inverse-CDF sampling on the cumulative weights.
    std::vector<double> cum(static_cast<size_t>(s));
    double running = 0;
    for (int64_t i = 0; i < s; ++i) {
      running += std::exp(log_weights[i] - max_lw);
      cum[i] = running;
    }
    for (int64_t k = 0; k < n; ++k) {
      const double u = uniform_open(rng) * running;
      auto it = std::upper_bound(cum.begin(), cum.end(), u);
      // A zero weight repeats the previous cumulative value, so it is never the
      // first entry above u.
      out.push_back(std::min<int64_t>(it - cum.begin(), s - 1));
    }
  } else {
    // Gumbel-top-k: the n largest log w_i + G_i, G_i = −log(−log U_i), are a
    // draw without replacement with successive probabilities ∝ w.
    std::vector<double> key(static_cast<size_t>(s));
    for (int64_t i = 0; i < s; ++i) {
      key[i] = log_weights[i] - std::log(-std::log(uniform_open(rng)));
    }
    std::vector<int64_t> order(static_cast<size_t>(s));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + n, order.end(),
                      [&](int64_t a, int64_t b) { return key[a] > key[b]; });
    out.assign(order.begin(), order.begin() + n);
  }
  return out;
}

}  // namespace elbo::diagnostics
