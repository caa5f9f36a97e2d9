#pragma once
// R^{D(D+1)/2} → D×D lower-triangular matrices with positive diagonal (Stan
// reference manual, "Cholesky factors of covariance matrices"): the free values
// fill the triangle row by row ((0,0), (1,0), (1,1), (2,0), ...), the diagonal
// through exp. The Jacobian onto the D(D+1)/2 triangle entries is diagonal:
//   log|det J| = Σ_d y_(d,d).
// Event: y [..., D(D+1)/2] → L [..., D, D]; log|det J| has shape [...].
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class LowerCholesky : public Bijector {
 public:
  std::string name() const override { return "LowerCholesky"; }
  /// Throws DomainError unless the last dim of y is D(D+1)/2 for some D.
  at::Tensor forward(const at::Tensor& y) const override;
  /// Throws DomainError unless x is lower triangular with positive diagonal.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  int64_t event_dim() const override { return 1; }
  /// [..., D, D] → [..., D(D+1)/2]; throws DomainError unless square.
  std::vector<int64_t> unconstrained_shape(
      const std::vector<int64_t>& constrained_shape) const override;
};

}  // namespace elbo::bijector
