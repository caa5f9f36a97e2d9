#pragma once
// The relaxed one-hot categorical (Concrete, Maddison, Mnih & Teh 2017, eq. 10
// and Definition 1; Gumbel-softmax, Jang, Gu & Poole 2017, eq. 2) on the open
// simplex Δ^{C−1}, with temperature λ > 0 and logits l [..., C] (α = e^l):
//   draw:    y = softmax((l + G) / λ),  G_c ~ Gumbel(0, 1) i.i.d.;
//   density: p(y) = (C−1)! λ^(C−1) Π_c (α_c y_c^(−λ−1)) / (Σ_c α_c y_c^(−λ))^C
// with respect to Lebesgue measure on the first C−1 coordinates.
// argmax_c y_c ~ Categorical(softmax(l)) at every temperature (the Gumbel-max
// trick), and y → that one-hot vector as λ → 0. event_shape is [C]; a value
// off the open simplex (an entry ≤ 0 or a sum off 1 by more than 1e-6) gets
// log_prob −inf. Draws are clamped below at the dtype's tiny. mean() and
// variance() have no closed form and are NaN.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class RelaxedCategorical : public Distribution {
 public:
  /// temperature positive and finite (a scalar or broadcastable to the batch
  /// shape logits.shape[:-1]); logits [..., C], C ≥ 1, not NaN, below +inf.
  RelaxedCategorical(Param temperature, at::Tensor logits);

  std::string name() const override { return "relaxed_categorical"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// Straight-through Gumbel-softmax (Jang et al. 2017 §2.2): the forward value
  /// is the one-hot vector of argmax_c y_c, the gradient is that of y.
  at::Tensor rsample_straight_through(at::IntArrayRef sample_shape, at::Generator gen) const;
  at::Tensor mean() const override;
  at::Tensor variance() const override;

  int64_t num_classes() const { return logits_.size(-1); }
  const at::Tensor& temperature() const { return temperature_; }
  /// Normalised log-probabilities of the underlying categorical.
  const at::Tensor& logits() const { return logits_; }

 private:
  RelaxedCategorical(at::Tensor temperature, at::Tensor logits, int /*tag*/);
  at::Tensor temperature_;  // batch_shape + [1]
  at::Tensor logits_;       // batch_shape + [C]
};

}  // namespace elbo::dist
