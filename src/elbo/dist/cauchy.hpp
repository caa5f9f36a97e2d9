#pragma once
// Cauchy distribution:
//   log p(x) = −log π − log σ − log(1 + ((x − μ)/σ)²).
// Its mean and variance do not exist: mean() is NaN and variance() is +inf
// (as in torch.distributions).
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Cauchy : public Distribution {
 public:
  /// loc finite, scale positive and finite.
  Cauchy(Param loc, Param scale);

  std::string name() const override { return "cauchy"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// loc + scale · tan(π(u − ½)), u ~ U(0, 1) (inverse CDF).
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// log(4πσ).
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override;
  at::Tensor variance() const override;

  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale() const { return scale_; }

 private:
  explicit Cauchy(std::vector<at::Tensor> params);
  at::Tensor loc_;
  at::Tensor scale_;
};

}  // namespace elbo::dist
