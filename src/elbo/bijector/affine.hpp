#pragma once
// Element-wise affine map x = loc + scale·y (scale ≠ 0); log|dx/dy| = log|scale|,
// one value per element of the broadcast shape of (y, loc, scale).
// loc and scale may be tensors broadcastable against y (and may require grad).
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class Affine : public Bijector {
 public:
  /// Throws DomainError unless every scale is finite and nonzero and loc finite.
  Affine(at::Tensor loc, at::Tensor scale);
  Affine(double loc, double scale);
  std::string name() const override { return "Affine"; }
  at::Tensor forward(const at::Tensor& y) const override;
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;

  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale() const { return scale_; }

 private:
  at::Tensor loc_;
  at::Tensor scale_;
};

}  // namespace elbo::bijector
