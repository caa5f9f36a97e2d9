#pragma once
// x = y on R; log|det J| = 0.
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class Identity : public Bijector {
 public:
  std::string name() const override { return "Identity"; }
  at::Tensor forward(const at::Tensor& y) const override;
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
};

}  // namespace elbo::bijector
