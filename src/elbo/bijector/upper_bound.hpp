#pragma once
// x = b − exp(y) maps R onto (−inf, b); log|dx/dy| = y; inverse log(b − x)
// (Stan reference manual, "Upper bounded scalar").
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class UpperBound : public Bijector {
 public:
  /// Throws DomainError unless `upper` is finite.
  explicit UpperBound(double upper);
  std::string name() const override { return "UpperBound"; }
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless every x < upper.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  double upper() const { return upper_; }

 private:
  double upper_;
};

}  // namespace elbo::bijector
