#pragma once
// x = exp(y) maps R onto (0, inf); log|dx/dy| = y. Inverse log x.
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class Exp : public Bijector {
 public:
  std::string name() const override { return "Exp"; }
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless every x > 0.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
};

}  // namespace elbo::bijector
