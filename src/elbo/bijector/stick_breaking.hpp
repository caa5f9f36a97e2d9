#pragma once
// Stick-breaking map from R^{K−1} onto the open K-simplex (Stan reference
// manual, "Unit simplex" (stick-breaking form, Stan ≤ 2.35); PyTorch's
// StickBreakingTransform):
//   z_k = σ(y_k − log(K − k)),  stick_1 = 1,  stick_{k+1} = stick_k (1 − z_k),
//   x_k = stick_k z_k (k < K),  x_K = stick_K,
// so y = 0 maps to the uniform simplex (1/K, ..., 1/K). The Jacobian of
// y ↦ (x_1, ..., x_{K−1}) is lower triangular with diagonal stick_k z_k (1 − z_k):
//   log|det J| = Σ_{k<K} [log z_k + log(1 − z_k) + log stick_k].
// Evaluated in log space, so it is accurate for large |y|.
// Event: y [..., K−1] → x [..., K]; log|det J| has shape [...].
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class StickBreaking : public Bijector {
 public:
  std::string name() const override { return "StickBreaking"; }
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless the last dim of x is a simplex with positive entries.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  int64_t event_dim() const override { return 1; }
  /// [..., K] → [..., K − 1]; throws DomainError for a scalar shape or K < 1.
  std::vector<int64_t> unconstrained_shape(
      const std::vector<int64_t>& constrained_shape) const override;
};

}  // namespace elbo::bijector
