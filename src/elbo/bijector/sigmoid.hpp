#pragma once
// x = a + (b − a)·sigmoid(y) maps R onto the interval (a, b); a = 0, b = 1 is the
// logistic sigmoid onto the unit interval. Inverse: the (scaled) logit
// y = log(x − a) − log(b − x). log|dx/dy| = log(b − a) + log σ(y) + log σ(−y)
// (Stan reference manual, "Lower and upper bounded scalar").
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class Sigmoid : public Bijector {
 public:
  /// Throws DomainError unless lower < upper, both finite.
  explicit Sigmoid(double lower = 0.0, double upper = 1.0);
  std::string name() const override { return "Sigmoid"; }
  at::Tensor forward(const at::Tensor& y) const override;
  /// The logit; throws DomainError unless every x is in (lower, upper).
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;

  double lower() const { return lower_; }
  double upper() const { return upper_; }

 private:
  double lower_;
  double upper_;
};

}  // namespace elbo::bijector
