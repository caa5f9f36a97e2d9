#pragma once
// Mean-field Gaussian q(θ) = Π_d N(θ_d | μ_d, exp(ω_d)²), Stan's ADVI
// "meanfield" family (Kucukelbir et al. 2017, JMLR 18:14, §2.4): λ = (μ, ω).
#include "elbo/family/family.hpp"

namespace elbo::family {

class MeanFieldGaussian : public Family {
 public:
  /// μ = 0, ω = log(init_scale).
  explicit MeanFieldGaussian(int64_t dim, double init_scale = 1.0);

  std::string family_name() const override { return "meanfield"; }
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() override;
  at::Tensor covariance() override;
  void initialize(const at::Tensor& location) override;
  /// μ = mean, σ_i² = 1 / precision_ii: the KL(q‖N)-closest mean-field Gaussian.
  void initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) override;
  bool takes_gaussian_start() const override { return true; }
  std::shared_ptr<Family> clone_family() const override;

  // One factor per coordinate: q_d = N(μ_d, σ_d²) with λ_d = (μ_d, ω_d).
  int64_t num_factors() const override { return dim(); }
  std::vector<std::vector<int64_t>> factor_coordinates() const override;
  at::Tensor log_prob_factors(const at::Tensor& theta) override;
  std::vector<at::Tensor> parameter_factors() override;
  /// With z = (θ − μ)/σ: ∂ log q/∂μ = z/σ, ∂ log q/∂ω = z² − 1.
  std::vector<at::Tensor> score(const at::Tensor& theta) override;
  /// N(μ, τσ²): ω + ½ log τ (Ruiz et al. 2016, Gaussian with dispersion τ).
  std::shared_ptr<Family> overdispersed(double tau) const override;

  at::Tensor loc;        // μ [D]
  at::Tensor log_scale;  // ω [D]
};

}  // namespace elbo::family
