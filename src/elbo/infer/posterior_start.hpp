#pragma once
// Where a fit starts and the coordinates it works in: the mode of log p and a
// scale there, found without absolute tolerances (L-BFGS with Stan's relative
// convergence tests), so the same start serves posteriors whose scales span
// orders of magnitude.
//
//   mode θ̂: L-BFGS from init (θ = 0 by default);
//   scale:  A = −∇²log p(θ̂) when D ≤ hessian_max_dim and A is positive
//           definite → L = chol(A⁻¹) (the Laplace approximation);
//           otherwise the diagonal of L-BFGS's inverse-Hessian estimate;
//   no mode (a funnel, an unbounded density): Pathfinder's best Gaussian
//           along the L-BFGS path (infer/pathfinder), mean and covariance.
//
// ADVI then fits every family against model::WhitenedDensity(p, θ̂, L).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>

#include "elbo/infer/laplace.hpp"
#include "elbo/model/log_density.hpp"

namespace elbo::infer {

struct PosteriorStartOptions {
  /// The mode search's limits and tolerances (Stan's defaults).
  LaplaceOptions laplace;
  /// Largest D for which the Hessian (D gradient evaluations) is computed.
  int64_t hessian_max_dim = 500;
  /// Seed of Pathfinder's ELBO draws, the start when L-BFGS finds no mode.
  uint64_t pathfinder_seed = 1;
};

struct PosteriorStart {
  bool found = false;      // a mode (or a usable point) and a scale
  at::Tensor mode;         // θ̂ [D]
  at::Tensor scale_tril;   // L [D, D]: the whitening factor
  at::Tensor precision;    // A [D, D] when it is Laplace's (positive definite); else undefined
  bool laplace = false;    // N(θ̂, A⁻¹) is a usable Gaussian start
  bool pathfinder = false; // ... and it is Pathfinder's (no mode was found)
  std::string message;     // what was found, or why nothing was
};

/// Never throws for a numerical failure: `found` is false and `message` says why.
PosteriorStart find_posterior_start(const std::shared_ptr<const model::LogDensity>& p,
                                    const PosteriorStartOptions& options);

}  // namespace elbo::infer
