#pragma once
// Gamma distribution with concentration α and rate β:
//   log p(x) = α log β + (α − 1) log x − βx − lgamma(α),  x ≥ 0 (−inf for x < 0).
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Gamma : public Distribution {
 public:
  /// concentration and rate positive and finite.
  Gamma(Param concentration, Param rate);

  std::string name() const override { return "gamma"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// G / β with G ~ Gamma(α, 1) from torch's _standard_gamma, whose backward is
  /// the implicit reparameterisation gradient dG/dα = −(∂F/∂α)/p (Figurnov,
  /// Mohamed & Mnih 2018, "Implicit Reparameterization Gradients").
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// α − log β + lgamma(α) + (1 − α) ψ(α).
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override;
  at::Tensor variance() const override;

  const at::Tensor& concentration() const { return concentration_; }
  const at::Tensor& rate() const { return rate_; }

 private:
  explicit Gamma(std::vector<at::Tensor> params);
  at::Tensor concentration_;
  at::Tensor rate_;
};

}  // namespace elbo::dist
