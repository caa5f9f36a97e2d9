#pragma once
// Bayesian logistic regression:
//   α ~ N(0, s_α),  β_d ~ N(0, s_β),  y_i ~ Bernoulli(sigmoid(α + x_iᵀβ)),
// with y_i ∈ {0, 1}. Latents: alpha (scalar) and beta [D]. The likelihood
// y η − log(1 + e^η) is evaluated stably by glm_log_likelihood (analytic
// gradient); a minibatch's likelihood is scaled by M/S.
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

struct LogisticRegressionOptions {
  /// Prior scale of the intercept α ~ N(0, s_α).
  TORCH_ARG(double, prior_alpha_scale) = 5.0;
  /// Prior scale of each coefficient β_d ~ N(0, s_β).
  TORCH_ARG(double, prior_beta_scale) = 1.0;
};

class LogisticRegression : public model::Model {
 public:
  /// X [N, D] finite, y [N] with values 0 or 1, N ≥ 1, D ≥ 1 (DomainError
  /// "logistic_regression: y[i] is 0.5, but must be 0 or 1"); option scales
  /// must be positive (ConfigError).
  LogisticRegression(const at::Tensor& X, const at::Tensor& y,
                     LogisticRegressionOptions options = {});

  std::string name() const override { return "logistic_regression"; }
  std::vector<model::Latent> latents() const override;
  int64_t num_data() const override { return X_.size(0); }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
  /// The closed-form gradient of the same log joint (no autograd graph).
  std::optional<model::JointAndGradient> log_joint_and_gradient(
      const model::Draws& z, const model::Subsample& data) const override;

  int64_t num_features() const { return X_.size(1); }
  const at::Tensor& X() const { return X_; }
  const at::Tensor& y() const { return y_; }
  const LogisticRegressionOptions& options() const { return options_; }

 private:
  detail::GlmNormalPrior glm() const;
  at::Tensor X_;
  at::Tensor y_;
  LogisticRegressionOptions options_;
};

}  // namespace elbo::models
