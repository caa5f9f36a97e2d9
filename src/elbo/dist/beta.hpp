#pragma once
// Beta distribution with concentrations α (concentration1) and β (concentration0):
//   log p(x) = (α − 1) log x + (β − 1) log(1 − x) − log B(α, β),  x ∈ [0, 1].
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Beta : public Distribution {
 public:
  /// Both concentrations positive and finite.
  Beta(Param concentration1, Param concentration0);

  std::string name() const override { return "beta"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// G₁/(G₁ + G₀), Gᵢ ~ Gamma(αᵢ, 1) with implicit gamma gradients.
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// log B(α, β) − (α−1)ψ(α) − (β−1)ψ(β) + (α+β−2)ψ(α+β).
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  /// α/(α + β).
  at::Tensor mean() const override;
  /// αβ/((α + β)²(α + β + 1)).
  at::Tensor variance() const override;

  const at::Tensor& concentration1() const { return concentration1_; }
  const at::Tensor& concentration0() const { return concentration0_; }

 private:
  explicit Beta(std::vector<at::Tensor> params);
  at::Tensor concentration1_;
  at::Tensor concentration0_;
};

}  // namespace elbo::dist
