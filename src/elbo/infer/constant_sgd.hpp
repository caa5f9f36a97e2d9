#pragma once
// Constant-step SGD as approximate Bayesian inference (Mandt, Hoffman & Blei
// 2017, "Stochastic Gradient Descent as Approximate Bayesian Inference", JMLR
// 18:134). With the per-data-point loss L(θ) = −(1/N) log p(x, θ) and the
// minibatch gradient ĝ_S (S points, with replacement), the iterates of
//
//   θ_{t+1} = θ_t − ε H ĝ_S(θ_t)
//
// are, near the mode, an Ornstein–Uhlenbeck process whose stationary law
// approximates the posterior; the step size chooses how well (§4):
//   scalar (Theorem 1, eq. 13):        ε* = 2 (S/N) D / tr(B Bᵀ),
//   preconditioned (Theorem 2, eq. 15): H* = (2S / (ε N)) (B Bᵀ)⁻¹,
// where B Bᵀ is the covariance of the per-data-point gradient noise, i.e.
// Cov(ĝ_S) = B Bᵀ / S. The preconditioned rule makes the stationary
// covariance equal the posterior's (N A)⁻¹ for any Hessian A (in the OU
// approximation); the scalar one is the best isotropic choice.
//
// Algorithm: find the MAP (L-BFGS on all data, unless an init is given and
// find_map is off); estimate B Bᵀ = S · Cov(ĝ_S) there from `noise_batches`
// minibatch gradients (the rule's "estimated at the start of sampling"); run
// burn_in steps, then keep every thin-th iterate as a draw. The effective
// step on ∇log p is ε H / N. Constant SGD explores only directions the
// minibatch noise reaches: where B Bᵀ is singular (a prior-only direction)
// the preconditioned rule is undefined (NumericalError) and the scalar rule
// collapses that direction to the mode. Discretisation inflates the
// covariance by about 1/(1 − ε λ_max(H A)/2) — small when S ≪ N.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <memory>

#include "elbo/model/log_density.hpp"

namespace elbo::infer {

struct ConstantSgdOptions {
  /// S, the minibatch size (1 ≤ S < N); sampled with replacement each step.
  TORCH_ARG(int64_t, batch_size) = 10;
  /// ε; 0 uses ε* (Theorem 1). With preconditioning only ε·H matters.
  TORCH_ARG(double, step_size) = 0.0;
  /// H* ∝ (B Bᵀ)⁻¹ (Theorem 2) instead of H = I.
  TORCH_ARG(bool, precondition) = false;
  /// Posterior draws kept after burn-in.
  TORCH_ARG(int64_t, num_draws) = 1000;
  TORCH_ARG(int64_t, burn_in) = 1000;
  /// Keep every thin-th iterate.
  TORCH_ARG(int64_t, thin) = 1;
  /// Minibatch gradients for the noise covariance; 0: 100 (scalar) or max(100, 10 D).
  TORCH_ARG(int64_t, noise_batches) = 0;
  /// Start [D]; undefined: θ = 0.
  TORCH_ARG(at::Tensor, init) = {};
  /// Run L-BFGS to the MAP from the start first.
  TORCH_ARG(bool, find_map) = true;
  TORCH_ARG(int64_t, map_iterations) = 1000;
  TORCH_ARG(uint64_t, seed) = 1;
};

struct ConstantSgdResult {
  at::Tensor draws;             // [num_draws, D], the kept iterates
  double step_size = 0.0;       // ε used
  at::Tensor preconditioner;    // H [D, D] (identity without preconditioning)
  at::Tensor noise_covariance;  // B Bᵀ [D, D], estimated at the start point
  at::Tensor start;             // θ_0 [D] (the MAP when find_map)
  int64_t iterations = 0;       // SGD steps run (burn_in + num_draws · thin)
  double seconds = 0.0;
};

/// Runs constant-SGD sampling of p (which must have num_data() > 0).
ConstantSgdResult constant_sgd(std::shared_ptr<const model::LogDensity> p,
                               const ConstantSgdOptions& options = {});

/// ε* = 2 (S/N) D / tr(B Bᵀ) (Mandt et al. 2017, eq. 13).
double optimal_constant_step(int64_t batch_size, int64_t num_data, const at::Tensor& noise_covariance);

}  // namespace elbo::infer
