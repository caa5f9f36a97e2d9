#pragma once
// Normal (Gaussian) distribution N(loc, scale²):
//   log p(x) = −(x − μ)²/(2σ²) − log σ − ½ log 2π.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Normal : public Distribution {
 public:
  /// loc finite, scale positive and finite; tensors broadcast to batch_shape.
  Normal(Param loc, Param scale);

  std::string name() const override { return "normal"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// loc + scale · ε, ε ~ N(0, 1).
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// ½ + ½ log 2π + log σ.
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override { return loc_; }
  at::Tensor variance() const override { return scale_.square(); }

  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale() const { return scale_; }

 private:
  explicit Normal(std::vector<at::Tensor> params);
  at::Tensor loc_;
  at::Tensor scale_;
};

}  // namespace elbo::dist
