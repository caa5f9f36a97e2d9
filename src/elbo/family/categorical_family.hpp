#pragma once
// Independent categorical latents q(z) = Π_n Cat(z_n | softmax(l_n)), z_n ∈
// {1..C}, λ = logits l [N, C] (mean-field).
//
// Representation in θ: each latent is ONE-HOT, θ ∈ {0, 1}^{N·C} with latent n
// in columns [n·C, (n+1)·C) (row-major, i.e. a model latent of shape [N, C]
// declared with Constraint::one_hot()). One-hot values let a Gumbel-softmax
// relaxation (a point of the simplex) flow through the same model code.
//   log q_n(θ_n) = Σ_c θ_{n,c} log softmax(l_n)_c,
//   ∂ log q_n/∂l_{n,c} = θ_{n,c} − softmax(l_n)_c,   H = −Σ_n Σ_c p_{n,c} log p_{n,c}.
// No reparameterisation (has_rsample() is false); rsample_relaxed gives
// Concrete draws (dist::RelaxedCategorical). log_prob assumes one-hot rows.
#include "elbo/family/family.hpp"

namespace elbo::family {

class CategoricalFamily : public Family {
 public:
  /// N latents with C ≥ 2 classes each (D = N·C); logits 0 (uniform).
  CategoricalFamily(int64_t num_latents, int64_t num_classes);

  std::string family_name() const override { return "categorical"; }
  /// Throws DomainError: discrete draws have no reparameterisation.
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  /// K one-hot draws [K, N·C].
  at::Tensor sample(int64_t num_draws, at::Generator gen) override;
  bool has_rsample() const override { return false; }
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override { return true; }
  /// The probabilities [N·C] and the block-diagonal one-hot covariance
  /// diag(p_n) − p_n p_nᵀ per latent.
  at::Tensor mean() override;
  at::Tensor covariance() override;
  /// location [N·C]: probabilities ∝ clamp(location, 0.05, 1) per latent, so
  /// a one-hot location gives a confident, not degenerate q.
  void initialize(const at::Tensor& location) override;
  std::shared_ptr<Family> clone_family() const override;

  int64_t num_factors() const override { return num_latents_; }
  std::vector<std::vector<int64_t>> factor_coordinates() const override;
  at::Tensor log_prob_factors(const at::Tensor& theta) override;
  std::vector<at::Tensor> parameter_factors() override;
  std::vector<at::Tensor> score(const at::Tensor& theta) override;
  /// Logits l/τ (Ruiz et al. 2016).
  std::shared_ptr<Family> overdispersed(double tau) const override;
  /// Concrete draws (dist::RelaxedCategorical) at `temperature`, flattened.
  at::Tensor rsample_relaxed(int64_t num_draws, double temperature, bool straight_through,
                             at::Generator gen) override;

  int64_t num_latents() const { return num_latents_; }
  int64_t num_classes() const { return num_classes_; }

  at::Tensor logits;  // l [N, C]

 private:
  int64_t num_latents_;
  int64_t num_classes_;
};

}  // namespace elbo::family
