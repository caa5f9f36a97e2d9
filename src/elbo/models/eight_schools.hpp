#pragma once
// The eight-schools hierarchical model (Rubin 1981, "Estimation in parallel
// randomized experiments"; Gelman et al., BDA3 §5.5):
//   μ ~ N(0, s_μ),  τ ~ HalfCauchy(0, s_τ),  θ_j ~ N(μ, τ),  y_j ~ N(θ_j, σ_j),
// with the standard errors σ_j known. Two parameterisations of the same model:
//   centred:      latents mu, tau, theta [J]
//   non-centred:  latents mu, tau, theta_tilde [J], θ = μ + τ θ̃, θ̃_j ~ N(0, 1)
// (Papaspiliopoulos, Roberts & Sköld 2007). Their densities differ by the
// Jacobian of θ = μ + τ θ̃: log p_nc(μ, τ, θ̃) = log p_c(μ, τ, θ) + J log τ.
// The model has no exchangeable data to subsample (num_data() = 0).
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::models {

struct EightSchoolsOptions {
  /// Non-centred parameterisation (latent theta_tilde) instead of centred (theta).
  TORCH_ARG(bool, non_centered) = false;
  /// Prior scale of the population mean μ ~ N(0, s_μ).
  TORCH_ARG(double, prior_mu_scale) = 5.0;
  /// Prior scale of the population scale τ ~ HalfCauchy(0, s_τ).
  TORCH_ARG(double, prior_tau_scale) = 5.0;
};

class EightSchools : public model::Model {
 public:
  /// The classic data: y = (28, 8, −3, 7, −1, 1, 18, 12),
  /// σ = (15, 10, 16, 11, 9, 11, 10, 18).
  explicit EightSchools(EightSchoolsOptions options = {});
  /// J groups: estimates y [J] (finite) and standard errors sigma [J]
  /// (positive, finite), J ≥ 1; DomainError otherwise.
  EightSchools(const at::Tensor& y, const at::Tensor& sigma, EightSchoolsOptions options = {});

  std::string name() const override { return "eight_schools"; }
  std::vector<model::Latent> latents() const override;
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;

  /// θ [K, J] from the draws in either parameterisation (μ + τ θ̃ when non-centred).
  at::Tensor theta(const model::Draws& z) const;
  /// Non-centred: {("theta", θ [K, J])}, so θ is reported with the draws;
  /// centred: none (θ is a latent).
  std::vector<std::pair<std::string, at::Tensor>> derived(const model::Draws& z) const override;

  int64_t num_groups() const { return y_.size(0); }
  bool non_centered() const { return options_.non_centered(); }
  const at::Tensor& y() const { return y_; }
  const at::Tensor& sigma() const { return sigma_; }
  const EightSchoolsOptions& options() const { return options_; }

 private:
  at::Tensor y_;
  at::Tensor sigma_;
  EightSchoolsOptions options_;
};

}  // namespace elbo::models
