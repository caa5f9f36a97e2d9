#pragma once
// Categorical distribution over {0, …, K−1}, parameterised by (unnormalised)
// logits [..., K]: log p(k) = l_k − logsumexp(l). event_shape is [] and a value
// is a class index; an index outside {0, …, K−1} (or not an integer) has
// log_prob −inf. mean() and variance() are NaN (an index has no meaningful
// moments; as in torch.distributions).
#include "elbo/dist/distribution.hpp"

namespace elbo::dist {

class Categorical : public Distribution {
 public:
  /// logits [..., K], K ≥ 1, not NaN (−inf marks an impossible class).
  explicit Categorical(at::Tensor logits);
  /// probs [..., K] on the simplex (non-negative, each row summing to 1 within 1e-6).
  static Categorical from_probs(const at::Tensor& probs);

  std::string name() const override { return "categorical"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  /// Class indices (kLong), shape sample_shape + batch_shape.
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// −Σ p_k log p_k.
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override;
  at::Tensor variance() const override;

  int64_t num_classes() const { return logits_.size(-1); }
  /// Normalised log-probabilities (logsumexp over the last dim is 0).
  const at::Tensor& logits() const { return logits_; }
  const at::Tensor& probs() const { return probs_; }

 private:
  explicit Categorical(std::vector<at::Tensor> params);
  at::Tensor logits_;
  at::Tensor probs_;
};

}  // namespace elbo::dist
