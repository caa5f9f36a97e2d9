#pragma once
// Ordered vectors (Stan reference manual, "Ordered vector" and "Positive
// ordered vector"): the last dimension of y [..., N] maps onto a strictly
// increasing x [..., N],
//   ordered:           x_1 = y_1,       x_k = x_{k−1} + exp(y_k)  (k ≥ 2),
//   positive_ordered:  x_1 = exp(y_1),  x_k = x_{k−1} + exp(y_k),
// with the inverse y_1 = x_1 (log x_1), y_k = log(x_k − x_{k−1}). The Jacobian
// is lower triangular with diagonal (1, exp(y_2), ..., exp(y_N)) — exp(y_1)
// first for positive_ordered — so
//   log|det J| = Σ_{k≥2} y_k   (ordered),   Σ_k y_k   (positive_ordered).
// Event: y [..., N] → x [..., N]; log|det J| has shape [...].
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class Ordered : public Bijector {
 public:
  /// positive: x_1 = exp(y_1) > 0 (Stan's positive_ordered) instead of x_1 = y_1.
  explicit Ordered(bool positive = false) : positive_(positive) {}
  std::string name() const override { return positive_ ? "PositiveOrdered" : "Ordered"; }
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless the last dim of x is strictly increasing (and
  /// positive for positive_ordered).
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  int64_t event_dim() const override { return 1; }
  /// [..., N] → [..., N]; throws DomainError for a scalar shape.
  std::vector<int64_t> unconstrained_shape(
      const std::vector<int64_t>& constrained_shape) const override;
  bool positive() const { return positive_; }

 private:
  bool positive_;
};

}  // namespace elbo::bijector
