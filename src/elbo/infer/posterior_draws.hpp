#pragma once
// Draws from a fitted approximation, mapped to the model's constrained space,
// with the PSIS diagnostic of the importance ratios p(x, θ)/q(θ) (Yao,
// Vehtari, Simpson & Gelman 2018, "Yes, but did it work?") and — when k̂ says
// the ratios are usable — importance resampling that corrects q towards p.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/diagnostics/psis.hpp"
#include "elbo/family/family.hpp"
#include "elbo/model/constrained_density.hpp"

namespace elbo::infer {

struct PosteriorDrawsOptions {
  int64_t num_draws = 1000;
  /// "auto": resample when k̂ < the PSIS threshold (0.7); "always"; "never";
  /// "force". auto and always do not resample when the importance ESS is below
  /// min_resample_ess(pool) (fit_reliability.hpp) — the draws would be copies of a
  /// few — and keep q's draws instead (resample_refused, resample_message); "force"
  /// resamples anyway.
  std::string resample = "auto";
  /// When resampling may happen (auto, always): draw resample_pool × num_draws from
  /// q, take k̂ and the smoothed weights over all of them, and resample num_draws.
  /// A pool larger than the output keeps duplicates rare (sampling-importance-
  /// resampling's error shrinks with the pool, Rubin 1988); without resampling the
  /// first num_draws of the pool are returned.
  int64_t resample_pool = 10;
  uint64_t seed = 1;
};

struct PosteriorDraws {
  std::vector<std::string> names;  // CmdStan-style: latents, then derived quantities
  at::Tensor values;               // [S, P] constrained draws (resampled if `resampled`)
  at::Tensor log_p;                // [S] log p(x, θ) + log|J| on the unconstrained scale
  at::Tensor log_q;                // [S] log q(θ)
  at::Tensor mean_row;             // [P] the approximation's mean, constrained
  /// PSIS of all draws of q (the pool) before resampling. k̂ is never NaN for a
  /// density q: when it cannot be estimated (every log ratio non-finite, fewer
  /// finite ratios than the tail needs, too few draws) it is +inf and
  /// k_hat_reason says why; ess is then 0.
  diagnostics::PsisResult psis;
  std::string k_hat_reason;        // empty when k̂ is finite (or −inf: a bounded tail)
  /// [S] the PSIS-smoothed log weights of the written draws, normalised over
  /// them (log Σ exp = 0), when they are q's draws: the pool's smoothed weights
  /// restricted to the first num_draws and renormalised (all of them when the
  /// pool is 1). Undefined when the draws were resampled (they then carry equal
  /// weights), when there is no density q, or when k̂ is +inf.
  at::Tensor log_weights;
  int64_t pool_draws = 0;          // draws of q the diagnostics are over
  int64_t nonfinite_log_p = 0;     // of those, with non-finite log p (or log q)
  bool resampled = false;
  bool resample_refused = false;   // asked for, not done: the ESS was too small
  std::string resample_message;    // why resampling was refused (empty otherwise)
};

/// True when a summary may weight the draws by `log_weights`: a density q,
/// k̂ below its threshold, and draws that were not resampled.
bool psis_weights_usable(const PosteriorDraws& draws);

PosteriorDraws draw_posterior(const model::ConstrainedDensity& density, family::Family& q,
                              const PosteriorDrawsOptions& options);

/// Draws given directly on the unconstrained scale [S, D] (SVGD particles,
/// constant-SGD iterates): constrained values, log p and, as mean_row, their
/// average. There is no density q, so log_q is NaN and k̂ is NaN (no PSIS;
/// k_hat_reason says so).
PosteriorDraws draws_from_particles(const model::ConstrainedDensity& density, const at::Tensor& theta);

}  // namespace elbo::infer
