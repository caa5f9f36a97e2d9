#pragma once
// Bernoulli distribution on {0, 1}, parameterised by logits l (p = σ(l)):
//   log p(x) = x log σ(l) + (1 − x) log σ(−l).
// Values other than 0 and 1 (e.g. 0.5) are outside the support and get
// log_prob −inf; they do not throw. Logits may be ±inf (p = 1 or 0).
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Bernoulli : public Distribution {
 public:
  /// logits not NaN. Note: the argument is a logit, not a probability; see from_probs.
  explicit Bernoulli(Param logits);
  /// probs in [0, 1].
  static Bernoulli from_probs(Param probs);

  std::string name() const override { return "bernoulli"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  /// Draws 0.0/1.0 in the parameters' floating dtype.
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// −p log p − (1 − p) log(1 − p).
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override { return probs_; }
  at::Tensor variance() const override;

  const at::Tensor& logits() const { return logits_; }
  const at::Tensor& probs() const { return probs_; }

 private:
  Bernoulli(at::Tensor logits, at::Tensor probs);
  at::Tensor logits_;
  at::Tensor probs_;
};

}  // namespace elbo::dist
