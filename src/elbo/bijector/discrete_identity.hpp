#pragma once
// The identity on a discrete support, for latents declared binary ({0, 1}) or
// one_hot (one-hot rows of the last dimension): x = y, log|det J| = 0. There
// is no Jacobian for a counting measure; θ holds the discrete values
// themselves and a discrete family (BernoulliFamily, CategoricalFamily) draws
// them. Element-wise (event_dim 0), so θ's columns are the latent's values in
// row-major order: a one-hot latent of shape [N, C] uses columns n·C + c.
// forward() does not check its input (a relaxed Gumbel-softmax draw passes
// through too); inverse() checks that values lie on the discrete support.
#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

class DiscreteIdentity : public Bijector {
 public:
  enum class Support { binary, one_hot };
  explicit DiscreteIdentity(Support support) : support_(support) {}

  std::string name() const override;
  at::Tensor forward(const at::Tensor& y) const override;
  /// DomainError naming the first value off {0, 1} or the first non-one-hot row.
  at::Tensor inverse(const at::Tensor& x) const override;
  at::Tensor log_abs_det_jacobian(const at::Tensor& y) const override;
  /// one_hot needs at least one dimension (the classes); DomainError otherwise.
  std::vector<int64_t> unconstrained_shape(
      const std::vector<int64_t>& constrained_shape) const override;

  Support support() const { return support_; }

 private:
  Support support_;
};

}  // namespace elbo::bijector
