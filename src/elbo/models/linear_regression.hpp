#pragma once
// Bayesian linear regression with Gaussian noise:
//   α ~ N(0, s_α),  β_d ~ N(0, s_β),  σ ~ HalfNormal(s_σ)  (or σ known),
//   y_i ~ N(α + x_iᵀβ, σ),  i = 1..N.
// Latents: alpha (scalar), beta [D], and sigma (positive) unless it is known.
// The likelihood uses glm_log_likelihood (analytic gradient); a minibatch's
// likelihood is scaled by M/S.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::models {

struct LinearRegressionOptions {
  /// Prior scale of the intercept α ~ N(0, s_α).
  TORCH_ARG(double, prior_alpha_scale) = 5.0;
  /// Prior scale of each coefficient β_d ~ N(0, s_β).
  TORCH_ARG(double, prior_beta_scale) = 1.0;
  /// Prior scale of the noise σ ~ HalfNormal(s_σ) (unused when σ is known).
  TORCH_ARG(double, prior_sigma_scale) = 1.0;
  /// A known noise scale: σ is then data, not a latent.
  TORCH_ARG(std::optional<double>, known_sigma) = std::nullopt;
};

/// The exact Gaussian posterior of w = (α, β_1..β_D) and the log evidence.
struct GaussianPosterior {
  at::Tensor mean;        // [D + 1], order (alpha, beta.1, ..., beta.D)
  at::Tensor covariance;  // [D + 1, D + 1]
  double log_evidence = 0;  // log p(y | X) with w integrated out
};

/// The closed-form posterior for known σ (Bishop, PRML 2006, eqs. 3.53–3.54 and
/// 3.86): with Z = [1 X] and prior w ~ N(0, S₀), S₀ = diag(s_α², s_β², ...),
///   Λ = S₀⁻¹ + ZᵀZ/σ²,  Σ = Λ⁻¹,  m = Σ Zᵀy/σ²,
///   log p(y) = −N/2 log(2πσ²) − ½ log|S₀| − ½ log|Λ| − ½ (yᵀy/σ² − mᵀΛm).
/// X [N, D] and y [N] are validated as by LinearRegression.
GaussianPosterior exact_posterior_known_sigma(const at::Tensor& X, const at::Tensor& y,
                                              double sigma, double prior_alpha_scale,
                                              double prior_beta_scale);

class LinearRegression : public model::Model {
 public:
  /// X [N, D], y [N]: finite, N ≥ 1, D ≥ 1 (DomainError otherwise); option
  /// scales must be positive (ConfigError). Data are stored as double.
  LinearRegression(const at::Tensor& X, const at::Tensor& y,
                   LinearRegressionOptions options = {});

  std::string name() const override { return "linear_regression"; }
  std::vector<model::Latent> latents() const override;
  int64_t num_data() const override { return X_.size(0); }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;

  int64_t num_features() const { return X_.size(1); }
  const at::Tensor& X() const { return X_; }
  const at::Tensor& y() const { return y_; }
  const LinearRegressionOptions& options() const { return options_; }

  /// exact_posterior_known_sigma on this model's data and options; ConfigError
  /// unless the options set known_sigma.
  GaussianPosterior exact_posterior() const;

 private:
  at::Tensor X_;
  at::Tensor y_;
  LinearRegressionOptions options_;
};

}  // namespace elbo::models
