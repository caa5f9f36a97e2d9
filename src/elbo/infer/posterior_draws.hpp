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
  /// "auto": resample when k̂ < 0.7 (and was estimated); "always"; "never".
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
  diagnostics::PsisResult psis;    // of the draws before resampling
  bool resampled = false;
};

PosteriorDraws draw_posterior(const model::ConstrainedDensity& density, family::Family& q,
                              const PosteriorDrawsOptions& options);

/// Draws given directly on the unconstrained scale [S, D] (SVGD particles,
/// constant-SGD iterates): constrained values, log p and, as mean_row, their
/// average. There is no density q, so log_q is NaN and k̂ is NaN (no PSIS).
PosteriorDraws draws_from_particles(const model::ConstrainedDensity& density, const at::Tensor& theta);

}  // namespace elbo::infer
