#pragma once
// Inverse-gamma distribution: X = 1/Y, Y ~ Gamma(α, rate = β), so β is a scale:
//   log p(x) = α log β − lgamma(α) − (α + 1) log x − β/x,  x > 0.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class InverseGamma : public Distribution {
 public:
  /// concentration and scale positive and finite.
  InverseGamma(Param concentration, Param scale);

  std::string name() const override { return "inverse_gamma"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// β / G, G ~ Gamma(α, 1) (implicit gamma gradient, see Gamma::rsample).
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// α + log β + lgamma(α) − (1 + α) ψ(α).
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  /// β/(α − 1) for α > 1, +inf otherwise.
  at::Tensor mean() const override;
  /// β²/((α − 1)²(α − 2)) for α > 2, +inf otherwise.
  at::Tensor variance() const override;

  const at::Tensor& concentration() const { return concentration_; }
  const at::Tensor& scale() const { return scale_; }

 private:
  explicit InverseGamma(std::vector<at::Tensor> params);
  at::Tensor concentration_;
  at::Tensor scale_;
};

}  // namespace elbo::dist
