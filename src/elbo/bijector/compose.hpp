#pragma once
// Composition T = T_n ∘ ... ∘ T_1 of bijectors, applied first to last:
// forward(y) = T_n(...T_1(y)), log|det J_T(y)| = Σ_i log|det J_{T_i}(y_{i−1})|.
// Element-wise parts may precede one structured part (event_dim 1), which must
// come last; their per-element terms are then summed over the event dimension.
#include <vector>

#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class Compose : public Bijector {
 public:
  /// Throws DomainError when `parts` is empty, holds a null pointer, or a
  /// structured part is not last.
  explicit Compose(std::vector<BijectorPtr> parts);
  std::string name() const override;
  at::Tensor forward(const at::Tensor& y) const override;
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  int64_t event_dim() const override { return event_dim_; }
  std::vector<int64_t> unconstrained_shape(
      const std::vector<int64_t>& constrained_shape) const override;
  const std::vector<BijectorPtr>& parts() const { return parts_; }

 private:
  std::vector<BijectorPtr> parts_;
  int64_t event_dim_ = 0;
};

}  // namespace elbo::bijector
