#pragma once
// x = a + exp(y) maps R onto (a, inf); log|dx/dy| = y; inverse log(x − a)
// (Stan reference manual, "Lower bounded scalar").
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class LowerBound : public Bijector {
 public:
  /// Throws DomainError unless `lower` is finite.
  explicit LowerBound(double lower);
  std::string name() const override { return "LowerBound"; }
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless every x > lower.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  double lower() const { return lower_; }

 private:
  double lower_;
};

}  // namespace elbo::bijector
