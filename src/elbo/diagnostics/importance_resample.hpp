#pragma once
// Importance resampling: draw indices with probability proportional to the
// (smoothed) importance weights, e.g. to turn PSIS-weighted draws of q into
// approximate draws of p (sampling-importance-resampling, Rubin 1988).
#include <cstdint>
#include <vector>

namespace elbo::diagnostics {

struct ImportanceResampleOptions {
  /// Number of indices to draw; 0 (default) means as many as there are weights.
  ImportanceResampleOptions& num_draws(int64_t n);
  /// With replacement (default): independent categorical draws. Without: successive
  /// sampling proportional to the weights of the not-yet-drawn indices (Gumbel-top-k,
  /// equivalently Efraimidis & Spirakis 2006); needs num_draws <= number of positive weights.
  ImportanceResampleOptions& replace(bool on) { replace_ = on; return *this; }
  ImportanceResampleOptions& seed(uint64_t s) { seed_ = s; return *this; }

  int64_t num_draws_ = 0;
  bool replace_ = true;
  uint64_t seed_ = 0;
};

/// Indices in [0, S) drawn with probabilities ∝ exp(log_weights) using a
/// std::mt19937_64 seeded with options.seed (reproducible across platforms: the
/// uniforms are built from the raw 64-bit output, not std:: distributions).
/// Log weights need not be normalised; −inf is a zero weight. Throws DomainError for
/// NaN/+inf log weights, no positive weight, or too few positive weights without
/// replacement.
std::vector<int64_t> importance_resample(const std::vector<double>& log_weights,
                                         const ImportanceResampleOptions& options = {});

}  // namespace elbo::diagnostics
