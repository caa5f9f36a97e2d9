#pragma once
// The log likelihood of a generalised linear model for K draws of its
// coefficients at once, with an analytic gradient.
//
//   η_ki = α_k + Σ_d β_kd X_id (+ offset_i),     ℓ_k = Σ_i log p(y_i | η_ki)
//
//   gaussian          log N(y | η, σ_k)         ∂ℓ/∂η = (y − η)/σ²
//   bernoulli_logit   y η − log(1 + e^η)        ∂ℓ/∂η = y − sigmoid(η)
//   poisson_log       y η − e^η − log Γ(y + 1)  ∂ℓ/∂η = y − e^η
//
// With r = ∂ℓ/∂η [K, S]: ∂ℓ/∂β = r X (one GEMM), ∂ℓ/∂α = Σ_i r, and for the
// Gaussian ∂ℓ_k/∂σ_k = −S/σ_k + Σ_i (y_i − η_ki)²/σ_k³. The forward pass is one
// GEMM (η = α + β Xᵀ) and the backward pass one more; autograd records a single
// node instead of the graph over the K × S intermediates (McCullagh & Nelder,
// "Generalized Linear Models", 1989, §2.5 for the score equations).
//
// Differentiable in alpha, beta and sigma (not in X, y, offset). First-order
// derivatives use the analytic fast path; when a second derivative is asked for
// (backward with create_graph = true) the backward pass is recomputed with
// differentiable tensor ops, so Hessians are correct too, only not fast.
#include <ATen/core/Tensor.h>

#include <string>

namespace elbo::models {

enum class GlmFamily { gaussian, bernoulli_logit, poisson_log };

/// Drops this thread's cached Xᵀ (and its hold on X's storage). For embedders
/// whose X may be memory of a foreign runtime — a numpy array, freed only under
/// Python's GIL — which must be let go before that runtime shuts down.
void release_cached_transpose();

/// "gaussian", "bernoulli_logit", "poisson_log".
std::string to_string(GlmFamily family);

/// ℓ [K] for design X [S, D], response y [S], intercepts alpha [K] and
/// coefficients beta [K, D]. `sigma` ([K], or a scalar broadcast to all draws)
/// is required for the Gaussian family and must be undefined otherwise;
/// `offset` [S] (e.g. log exposure) is added to η when defined. All tensors must
/// share one floating dtype. Shapes are checked (DomainError); values are not,
/// for speed — validate data once when a model is built.
at::Tensor glm_log_likelihood(GlmFamily family, const at::Tensor& X, const at::Tensor& y,
                              const at::Tensor& alpha, const at::Tensor& beta,
                              const at::Tensor& sigma = at::Tensor(),
                              const at::Tensor& offset = at::Tensor());

/// The log joint of a GLM with independent normal priors,
///   log N(α_k | 0, s_α) + Σ_d log N(β_kd | 0, s_β) + scale · ℓ_k   [K],
/// as ONE autograd node (the prior's gradients −α/s_α², −β/s_β² are added in
/// the same backward pass as the likelihood's). `scale` weights a minibatch's
/// likelihood (M/S). bernoulli_logit and poisson_log only (DomainError for
/// gaussian); scales must be positive and finite.
at::Tensor glm_log_joint_normal_prior(GlmFamily family, const at::Tensor& X, const at::Tensor& y,
                                      const at::Tensor& alpha, const at::Tensor& beta,
                                      double prior_alpha_scale, double prior_beta_scale,
                                      double scale = 1.0,
                                      const at::Tensor& offset = at::Tensor());

/// glm_log_joint_normal_prior and its gradient in closed form, without
/// autograd (for Model::log_joint_and_gradient), all detached:
///   value [K],  ∂/∂α = scale Σ_i r_i − α/s_α² [K],  ∂/∂β = scale r X − β/s_β² [K, D],
/// with r = ∂ℓ/∂η. Same arguments and checks as glm_log_joint_normal_prior.
struct GlmJointAndGradient {
  at::Tensor value;
  at::Tensor alpha;
  at::Tensor beta;
};
GlmJointAndGradient glm_log_joint_normal_prior_and_gradient(
    GlmFamily family, const at::Tensor& X, const at::Tensor& y, const at::Tensor& alpha,
    const at::Tensor& beta, double prior_alpha_scale, double prior_beta_scale, double scale = 1.0,
    const at::Tensor& offset = at::Tensor());

}  // namespace elbo::models
