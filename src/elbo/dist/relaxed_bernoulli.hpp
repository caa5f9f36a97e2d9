#pragma once
// The relaxed Bernoulli ("binary Concrete", Maddison, Mnih & Teh 2017, §3.3 and
// appendix; the Gumbel-softmax of Jang, Gu & Poole 2017 with two classes) on
// (0, 1), with temperature λ > 0 and logits l = log α:
//   draw:    y = σ((l + log U − log(1 − U)) / λ),  U ~ Uniform(0, 1);
//   density: p(y) = λ α y^(−λ−1) (1−y)^(−λ−1) / (α y^(−λ) + (1−y)^(−λ))².
// P(y > ½) = σ(l) at every temperature, and y → Bernoulli(σ(l)) as λ → 0.
// Draws are clamped to [tiny, 1 − ε] so log_prob stays finite at low λ.
// Values outside (0, 1) get log_prob −inf. mean() and variance() have no
// closed form and are NaN.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class RelaxedBernoulli : public Distribution {
 public:
  /// temperature positive and finite, logits not NaN; broadcast to batch_shape.
  RelaxedBernoulli(Param temperature, Param logits);

  std::string name() const override { return "relaxed_bernoulli"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// Straight-through (Bengio et al. 2013; Jang et al. 2017 §2.2): the forward
  /// value is the hard draw 1[y > ½] ∈ {0, 1}, the gradient is that of y.
  at::Tensor rsample_straight_through(at::IntArrayRef sample_shape, at::Generator gen) const;
  at::Tensor mean() const override;
  at::Tensor variance() const override;

  const at::Tensor& temperature() const { return temperature_; }
  const at::Tensor& logits() const { return logits_; }
  at::Tensor probs() const;

 private:
  explicit RelaxedBernoulli(std::vector<at::Tensor> params);
  at::Tensor temperature_;
  at::Tensor logits_;
};

}  // namespace elbo::dist
