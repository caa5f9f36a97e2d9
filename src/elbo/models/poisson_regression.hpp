#pragma once
// Bayesian Poisson regression with log link and optional exposure t_i:
//   α ~ N(0, s_α),  β_d ~ N(0, s_β),  y_i ~ Poisson(t_i · exp(α + x_iᵀβ)),
// i.e. η_i = α + x_iᵀβ + log t_i. Latents: alpha (scalar) and beta [D]. The
// likelihood (normalised: includes −log y_i!) uses glm_log_likelihood.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::models {

namespace detail {
struct GlmNormalPrior;
}  // namespace detail

struct PoissonRegressionOptions {
  /// Prior scale of the intercept α ~ N(0, s_α).
  TORCH_ARG(double, prior_alpha_scale) = 5.0;
  /// Prior scale of each coefficient β_d ~ N(0, s_β).
  TORCH_ARG(double, prior_beta_scale) = 1.0;
};

class PoissonRegression : public model::Model {
 public:
  /// X [N, D] finite, y [N] nonnegative integers, N ≥ 1, D ≥ 1; `exposure` [N],
  /// when given, positive and finite (DomainError otherwise). Option scales
  /// must be positive (ConfigError).
  PoissonRegression(const at::Tensor& X, const at::Tensor& y,
                    PoissonRegressionOptions options = {},
                    const at::Tensor& exposure = at::Tensor());

  std::string name() const override { return "poisson_regression"; }
  std::vector<model::Latent> latents() const override;
  int64_t num_data() const override { return X_.size(0); }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
  /// The closed-form gradient of the same log joint (no autograd graph).
  std::optional<model::JointAndGradient> log_joint_and_gradient(
      const model::Draws& z, const model::Subsample& data) const override;

  int64_t num_features() const { return X_.size(1); }
  const at::Tensor& X() const { return X_; }
  const at::Tensor& y() const { return y_; }
  /// log t [N], or undefined without exposure.
  const at::Tensor& log_exposure() const { return log_exposure_; }
  const PoissonRegressionOptions& options() const { return options_; }

 private:
  detail::GlmNormalPrior glm() const;
  at::Tensor X_;
  at::Tensor y_;
  at::Tensor log_exposure_;
  PoissonRegressionOptions options_;
};

}  // namespace elbo::models
