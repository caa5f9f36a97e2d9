#pragma once
// Internal to elbo::models: the log joint of a GLM with latents alpha [K] and
// beta [K, D] under independent normal priors (logistic and Poisson
// regression), as one autograd node or with its gradient in closed form.
#include <ATen/core/Tensor.h>

#include "elbo/model/model.hpp"
#include "elbo/models/glm_log_likelihood.hpp"

namespace elbo::models::detail {

/// The design of one such model: data X [N, D], y [N], optional offset [N]
/// (log exposure), prior scales s_α and s_β.
struct GlmNormalPrior {
  const char* name;
  GlmFamily family;
  at::Tensor X;
  at::Tensor y;
  at::Tensor offset;  // undefined: none
  double prior_alpha_scale;
  double prior_beta_scale;
};

/// log N(α | 0, s_α) + Σ_d log N(β_d | 0, s_β) + scale · ℓ on `data`'s rows, [K].
at::Tensor glm_normal_prior_joint(const GlmNormalPrior& glm, const model::Draws& z,
                                  const model::Subsample& data);

/// The same with ∂/∂alpha and ∂/∂beta, detached and without autograd.
model::JointAndGradient glm_normal_prior_joint_and_gradient(const GlmNormalPrior& glm,
                                                            const model::Draws& z,
                                                            const model::Subsample& data);

}  // namespace elbo::models::detail
