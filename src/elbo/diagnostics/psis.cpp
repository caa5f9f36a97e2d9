#include "elbo/diagnostics/psis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/diagnostics/gpd_fit.hpp"
#include "elbo/diagnostics/pareto_k.hpp"

namespace elbo::diagnostics {

int64_t psis_tail_length(int64_t num_draws) {
  const double s = static_cast<double>(num_draws);
  return static_cast<int64_t>(std::ceil(std::min(0.2 * s, 3.0 * std::sqrt(s))));
}

namespace {
constexpr int64_t kMinTail = 5;  // loo's enough_tail_samples
// Log ratios whose tail spans less than this (weights equal to 1 part in 10^12) are
// treated as constant: the spread is rounding in log p − log q, not a tail.
constexpr double kBoundedTailSpread = 1e-12;
}

PsisResult psis(const std::vector<double>& log_ratios) {
  const char* function = "psis";
  const auto s = static_cast<int64_t>(log_ratios.size());
  if (s == 0) throw DomainError("psis: log_ratios is empty, but must have at least one draw");
  for (int64_t i = 0; i < s; ++i) {
    const double v = log_ratios[i];
    if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) {
      throw DomainError(check_message(function, "log_ratios", i, v, "not NaN and not +inf"));
    }
  }
  const double max_ratio = *std::max_element(log_ratios.begin(), log_ratios.end());
  if (max_ratio == -std::numeric_limits<double>::infinity()) {
    throw DomainError("psis: every log ratio is -inf (all importance weights are zero)");
  }

  PsisResult r;
  r.k_threshold = pareto_k_threshold(s);
  r.tail_length = psis_tail_length(s);
  r.k_hat = std::numeric_limits<double>::quiet_NaN();
  r.sigma_hat = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> lw(log_ratios.size());
  for (int64_t i = 0; i < s; ++i) lw[i] = log_ratios[i] - max_ratio;

  const int64_t m = r.tail_length;
  if (m >= kMinTail && m < s) {
    std::vector<int64_t> order(s);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return lw[a] < lw[b]; });
    const double cutoff = lw[order[s - m - 1]];
    const double tail_min = lw[order[s - m]];
    const double tail_max = lw[order[s - 1]];
    if (tail_max - tail_min < kBoundedTailSpread) {
      // Identical tail (q is p up to rounding: the log ratios differ only in their
      // last bits): the weights are bounded, nothing to smooth. A Pareto fit to
      // rounding noise would return an arbitrary k̂ (inf, seen for an exact q).
      r.k_hat = -std::numeric_limits<double>::infinity();
    } else {
      const double exp_cutoff = std::exp(cutoff);
      std::vector<double> exceed(m);
      for (int64_t i = 0; i < m; ++i) exceed[i] = std::exp(lw[order[s - m + i]]) - exp_cutoff;
      const GpdFit fit = gpd_fit(exceed);
      r.k_hat = fit.k;
      r.sigma_hat = fit.sigma;
      if (std::isfinite(fit.k)) {
        for (int64_t i = 0; i < m; ++i) {
          const double p = (static_cast<double>(i + 1) - 0.5) / static_cast<double>(m);
          lw[order[s - m + i]] = std::log(gpd_quantile(p, fit.k, fit.sigma) + exp_cutoff);
        }
      }
    }
  }
  // Truncate at the largest raw ratio (0 after the shift), then normalise.
  double total = 0;
  for (double& v : lw) {
    v = std::min(v, 0.0);
    total += std::exp(v);
  }
  const double log_total = std::log(total);
  double sum_sq = 0;
  for (double& v : lw) {
    v -= log_total;
    sum_sq += std::exp(2 * v);
  }
  r.log_weights = std::move(lw);
  r.ess = 1.0 / sum_sq;
  return r;
}

PsisResult psis(const Eigen::Ref<const Eigen::VectorXd>& log_ratios) {
  return psis(std::vector<double>(log_ratios.data(), log_ratios.data() + log_ratios.size()));
}

}  // namespace elbo::diagnostics
