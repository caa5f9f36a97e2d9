#pragma once
// The Laplace approximation (Laplace 1774; MacKay, "Information Theory,
// Inference, and Learning Algorithms", 2003, ch. 27; Bishop PRML §4.4): a
// Gaussian at the mode of log p on the unconstrained scale with the inverse
// negative Hessian as its covariance,
//
//   θ̂ = argmax_θ log p(x, θ),   A = −∇²log p(x, θ̂),   q(θ) = N(θ | θ̂, A⁻¹).
//
// The mode is found by optim::lbfgs_maximize (strong-Wolfe line search that
// steps back from non-finite values; Stan's relative convergence tests, so no
// absolute gradient scale decides convergence), the Hessian by autograd (one
// double-backward pass per row). A density without a mode (L-BFGS status
// `unbounded`: an improper direction, a funnel whose log p → +∞) is a
// NumericalError that says so. It is exact when log p is quadratic (a
// Gaussian posterior). When A is not positive definite (a saddle point, a flat
// or improper direction) the policy decides: fail with a NumericalError naming
// the smallest eigenvalue, or add jitter · I with jitter increased tenfold until
// the Cholesky factorisation succeeds.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <memory>
#include <string>

#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/model/log_density.hpp"
#include "elbo/optim/lbfgs.hpp"

namespace elbo::infer {

/// What to do when the negative Hessian at the mode is not positive definite.
enum class NonPositiveDefinite { jitter, fail };

struct LaplaceOptions {
  /// The mode search: Stan's `optimize` defaults (2000 iterations, history 5,
  /// tol_obj 1e-12, tol_rel_obj 1e4, tol_grad 1e-8, tol_rel_grad 1e7, tol_param 1e-8).
  TORCH_ARG(optim::LbfgsOptions, lbfgs) = {};
  TORCH_ARG(NonPositiveDefinite, non_positive_definite) = NonPositiveDefinite::jitter;
  /// First jitter, relative to max(1, max_i |A_ii|); multiplied by 10 per attempt.
  TORCH_ARG(double, initial_jitter) = 1e-8;
  TORCH_ARG(int64_t, max_jitter_attempts) = 16;
  /// Starting point [D] on the unconstrained scale; undefined: θ = 0.
  TORCH_ARG(at::Tensor, init) = {};
};

struct LaplaceResult {
  at::Tensor mode;           // θ̂ [D]
  at::Tensor precision;      // A = −∇²log p(θ̂) [D, D], plus jitter · I when jittered
  at::Tensor covariance;     // A⁻¹ [D, D]
  at::Tensor scale_tril;     // Cholesky factor of the covariance [D, D]
  std::shared_ptr<family::FullRankGaussian> q;  // N(θ̂, A⁻¹) as a family
  double log_density_at_mode = 0.0;
  double gradient_norm = 0.0;   // max_i |∂ log p/∂θ_i| at θ̂ (information; not a test)
  int64_t iterations = 0;       // L-BFGS iterations
  optim::LbfgsStatus status = optim::LbfgsStatus::max_iterations;
  bool converged = false;       // one of Stan's convergence tests passed (status)
  at::Tensor inverse_hessian_diagonal;  // diag of L-BFGS's final H⁻¹ estimate [D]
  bool jittered = false;
  double jitter = 0.0;          // added to A's diagonal
  double min_eigenvalue = 0.0;  // smallest eigenvalue of −∇²log p(θ̂) (before jitter)
  std::string message;          // warnings (not converged, jitter added); empty if none
};

/// ∇²log p(θ) [D, D] at θ [D]: LogDensity::hessian (autograd unless the density overrides it).
at::Tensor log_density_hessian(const model::LogDensity& p, const at::Tensor& theta);

/// ∇log p(θ) [D] at θ [D] on all data (closed form when the model has one, else autograd).
at::Tensor log_density_gradient(const model::LogDensity& p, const at::Tensor& theta);

/// The mode of log p on all data, found by optim::lbfgs_maximize.
struct LogDensityMode {
  at::Tensor mode;           // θ̂ [D]
  at::Tensor gradient;       // ∇log p(θ̂) [D]
  double log_density = 0.0;  // log p(θ̂)
  int64_t iterations = 0;    // L-BFGS iterations
  optim::LbfgsStatus status = optim::LbfgsStatus::max_iterations;
  bool converged = false;    // one of Stan's tests passed
  std::string message;       // L-BFGS's account of how it ended
  at::Tensor inverse_hessian_diagonal;  // [D]
};

/// L-BFGS from `init` [D] with Stan's convergence tests, on
/// LogDensity::log_prob_and_gradient (closed form when the model has one).
/// Throws NumericalError, prefixed by `caller`, when log p is not finite at
/// `init`. An unbounded density is returned with status `unbounded`.
LogDensityMode find_mode(const model::LogDensity& p, const at::Tensor& init,
                         const optim::LbfgsOptions& options, const char* caller);
/// The same with options.lbfgs() (options.init() is not used: `init` is).
LogDensityMode find_mode(const model::LogDensity& p, const at::Tensor& init,
                         const LaplaceOptions& options, const char* caller);

/// Fits the Laplace approximation on all data. Throws NumericalError when log p
/// is not finite at the start, when it has no mode (L-BFGS: unbounded), or
/// (policy `fail`, or jitter exhausted) when −∇²log p(θ̂) is not positive definite.
LaplaceResult laplace(std::shared_ptr<const model::LogDensity> p, const LaplaceOptions& options = {});

}  // namespace elbo::infer
