#pragma once
// R^{D(D−1)/2} → Cholesky factors of D×D correlation matrices (lower triangular,
// positive diagonal, unit-norm rows), via canonical partial correlations (Stan
// reference manual, "Cholesky factors of correlation matrices"; Lewandowski,
// Kurowicka & Joe 2009). With z = tanh(y) filling the strict lower triangle row
// by row ((1,0), (2,0), (2,1), ...):
//   x_00 = 1,  x_ij = z_ij · sqrt(1 − Σ_{l<j} x_il²) (j < i),  x_ii = sqrt(1 − Σ_{l<i} x_il²).
// The Jacobian of y ↦ strictly-lower x is block triangular, so
//   log|det J| = Σ_{i>j} log(1 − z_ij²) + ½ Σ_{i>j≥1} log(1 − Σ_{l<j} x_il²).
// The remaining row mass is a product, 1 − Σ_{l<j} x_il² = Π_{l<j} (1 − z_il²), and
// log(1 − tanh² y) = 2 (log 2 − |y| − log1p(e^{−2|y|})) is used, so large |y| stay finite.
// Event: y [..., D(D−1)/2] → L [..., D, D]; log|det J| has shape [...].
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class CorrCholesky : public Bijector {
 public:
  std::string name() const override { return "CorrCholesky"; }
  /// Throws DomainError unless the last dim of y is D(D−1)/2 for some D.
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless x is a Cholesky factor with unit-norm rows.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  int64_t event_dim() const override { return 1; }
  /// [..., D, D] → [..., D(D−1)/2]; throws DomainError unless square.
  std::vector<int64_t> unconstrained_shape(
      const std::vector<int64_t>& constrained_shape) const override;
};

}  // namespace elbo::bijector
