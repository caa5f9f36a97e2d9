#pragma once
// A bijector T maps unconstrained y to constrained x = T(y).
//
// Event shapes: an element-wise bijector (exp, softplus, sigmoid, affine) has
// event dimension 0 and works on any shape; log_abs_det_jacobian then returns
// one value per element. A structured bijector (stick-breaking, Cholesky)
// consumes the last dimension of y (size unconstrained_size) and produces the
// constrained event (shape constrained_event_shape); log_abs_det_jacobian
// returns one value per event, i.e. shape y.shape[:-1].
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace elbo::bijector {

class Bijector {
 public:
  virtual ~Bijector() = default;
  virtual std::string name() const = 0;

  virtual at::Tensor forward(const at::Tensor& y) const = 0;
  virtual at::Tensor inverse(const at::Tensor& x) const = 0;
  /// log |det dT(y)/dy| (see the event-shape rule above).
  virtual at::Tensor log_abs_det_jacobian(const at::Tensor& y) const = 0;

  /// 0 for element-wise bijectors; 1 for those consuming the last dimension of y.
  virtual int64_t event_dim() const { return 0; }
  /// Number of unconstrained values that map onto a constrained value of shape
  /// `constrained_shape`: its numel for element-wise bijectors, K-1 for a
  /// K-simplex, D(D+1)/2 for a D×D Cholesky factor, D(D-1)/2 for a correlation one.
  /// Throws DomainError for a shape the bijector cannot produce.
  virtual int64_t unconstrained_size(const std::vector<int64_t>& constrained_shape) const;
  /// The shape of the unconstrained tensor that forward() maps onto a constrained
  /// value of shape `constrained_shape` (the same shape for element-wise bijectors;
  /// leading dims kept and the event replaced by the free-value count otherwise).
  /// unconstrained_size is its product. Throws DomainError like unconstrained_size.
  virtual std::vector<int64_t> unconstrained_shape(
      const std::vector<int64_t>& constrained_shape) const;
};

using BijectorPtr = std::shared_ptr<const Bijector>;

}  // namespace elbo::bijector
