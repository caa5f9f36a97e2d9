#pragma once
// Independent Bernoulli latents q(θ) = Π_d Bern(θ_d | σ(l_d)) over θ ∈ {0, 1}^D,
// λ = logits l [D] (mean-field; the family of Ranganath, Gerrish & Blei 2014
// for binary latents):
//   log q_d(θ_d) = θ_d l_d − softplus(l_d),   ∂ log q_d/∂l_d = θ_d − σ(l_d),
//   H[q] = Σ_d softplus(l_d) − l_d σ(l_d).
// There is no reparameterisation (has_rsample() is false): use the
// score-function estimator, or rsample_relaxed (binary Concrete) with the
// Gumbel-softmax objective. log_prob assumes θ ∈ {0, 1} (the formula is not
// checked per call, for speed; other values give its linear extension).
#include "elbo/family/family.hpp"

namespace elbo::family {

class BernoulliFamily : public Family {
 public:
  /// logits 0 (p = ½).
  explicit BernoulliFamily(int64_t dim);

  std::string family_name() const override { return "bernoulli"; }
  /// Throws DomainError: discrete draws have no reparameterisation.
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  /// K draws [K, D] of 0.0 / 1.0.
  at::Tensor sample(int64_t num_draws, at::Generator gen) override;
  bool has_rsample() const override { return false; }
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override { return true; }
  /// p = σ(l) [D] and diag(p(1 − p)).
  at::Tensor mean() override;
  at::Tensor covariance() override;
  /// Sets the mean p = clamp(location, 0.05, 0.95), i.e. l = logit(p): a
  /// location from a continuous initialiser (e.g. Stan's uniform(−2, 2))
  /// gives confident but not degenerate starting probabilities.
  void initialize(const at::Tensor& location) override;
  std::shared_ptr<Family> clone_family() const override;

  int64_t num_factors() const override { return dim(); }
  std::vector<std::vector<int64_t>> factor_coordinates() const override;
  at::Tensor log_prob_factors(const at::Tensor& theta) override;
  std::vector<at::Tensor> parameter_factors() override;
  std::vector<at::Tensor> score(const at::Tensor& theta) override;
  /// Logits l/τ (the Bernoulli tempered by 1/τ, Ruiz et al. 2016).
  std::shared_ptr<Family> overdispersed(double tau) const override;
  /// Binary Concrete draws (dist::RelaxedBernoulli) at `temperature`.
  at::Tensor rsample_relaxed(int64_t num_draws, double temperature, bool straight_through,
                             at::Generator gen) override;

  at::Tensor logits;  // l [D]
};

}  // namespace elbo::family
