#pragma once
// Dirichlet distribution on the (K−1)-simplex, event_shape [K]:
//   log p(x) = Σ (αₖ − 1) log xₖ + lgamma(α₀) − Σ lgamma(αₖ),  α₀ = Σ αₖ.
// A value off the simplex (negative entry or |Σ xₖ − 1| > 1e-6) has log_prob −inf.
#include "elbo/dist/distribution.hpp"

namespace elbo::dist {

class Dirichlet : public Distribution {
 public:
  /// concentration [..., K], K ≥ 1, all entries positive and finite.
  explicit Dirichlet(at::Tensor concentration);

  std::string name() const override { return "dirichlet"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// Gₖ / Σ Gⱼ, Gₖ ~ Gamma(αₖ, 1), with implicit gamma gradients.
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// log B(α) + (α₀ − K) ψ(α₀) − Σ (αₖ − 1) ψ(αₖ).
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  /// α / α₀.
  at::Tensor mean() const override;
  /// αₖ(α₀ − αₖ) / (α₀²(α₀ + 1)) (the marginal variances).
  at::Tensor variance() const override;

  const at::Tensor& concentration() const { return concentration_; }

 private:
  explicit Dirichlet(std::vector<at::Tensor> params);
  at::Tensor concentration_;
};

}  // namespace elbo::dist
