#include "elbo/models/glm_normal_prior_joint.hpp"

#include <ATen/ATen.h>

#include "elbo/models/regression_data.hpp"

namespace elbo::models::detail {

namespace {

/// The rows of X, y and offset in `data`, in the draws' dtype.
struct GlmRows {
  at::Tensor X, y, offset;
};

GlmRows rows_of(const GlmNormalPrior& glm, const model::Draws& z, const model::Subsample& data) {
  const auto& alpha = z["alpha"];
  check_glm_draws(glm.name, alpha, z["beta"], glm.X.size(1));
  check_subsample(glm.name, data.is_full(), data.total(), glm.X.size(0));
  const auto dtype = alpha.scalar_type();
  GlmRows rows{data.rows(glm.X), data.rows(glm.y), {}};
  if (glm.offset.defined()) rows.offset = data.rows(glm.offset);
  // Subsample::rows returns X itself on full data, which keeps the GLM's cached Xᵀ valid.
  if (rows.X.scalar_type() != dtype) rows.X = rows.X.to(dtype);
  if (rows.y.scalar_type() != dtype) rows.y = rows.y.to(dtype);
  if (rows.offset.defined() && rows.offset.scalar_type() != dtype) {
    rows.offset = rows.offset.to(dtype);
  }
  return rows;
}

}  // namespace

at::Tensor glm_normal_prior_joint(const GlmNormalPrior& glm, const model::Draws& z,
                                  const model::Subsample& data) {
  const auto rows = rows_of(glm, z, data);
  return glm_log_joint_normal_prior(glm.family, rows.X, rows.y, z["alpha"], z["beta"],
                                    glm.prior_alpha_scale, glm.prior_beta_scale, data.scale(),
                                    rows.offset);
}

model::JointAndGradient glm_normal_prior_joint_and_gradient(const GlmNormalPrior& glm,
                                                            const model::Draws& z,
                                                            const model::Subsample& data) {
  const auto rows = rows_of(glm, z, data);
  auto r = glm_log_joint_normal_prior_and_gradient(glm.family, rows.X, rows.y, z["alpha"],
                                                   z["beta"], glm.prior_alpha_scale,
                                                   glm.prior_beta_scale, data.scale(), rows.offset);
  model::JointAndGradient out{r.value, {}};
  out.gradient.set("alpha", r.alpha);
  out.gradient.set("beta", r.beta);
  return out;
}

}  // namespace elbo::models::detail
