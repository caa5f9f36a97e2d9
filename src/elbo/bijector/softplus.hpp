#pragma once
// x = softplus(y) = log(1 + e^y) maps R onto (0, inf);
// log|dx/dy| = log sigmoid(y); inverse y = log(e^x − 1) = x + log(−expm1(−x)).
// All three are evaluated in forms that neither overflow nor lose precision for
// large |y| (the double-precision threshold for softplus(y) = y is y > 40).
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class Softplus : public Bijector {
 public:
  std::string name() const override { return "Softplus"; }
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless every x > 0.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
};

}  // namespace elbo::bijector
