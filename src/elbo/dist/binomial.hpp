#pragma once
// Binomial distribution: k successes in n trials with success logit l:
//   log p(k) = lgamma(n+1) − lgamma(k+1) − lgamma(n−k+1) + k log σ(l) + (n−k) log σ(−l),
// for integer 0 ≤ k ≤ n; any other value has log_prob −inf. No analytic entropy.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Binomial : public Distribution {
 public:
  /// total_count a nonnegative integer, logits not NaN.
  Binomial(Param total_count, Param logits);
  /// probs in [0, 1].
  static Binomial from_probs(Param total_count, Param probs);

  std::string name() const override { return "binomial"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  /// Counts as floating values in the parameters' dtype.
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  at::Tensor mean() const override;
  at::Tensor variance() const override;

  const at::Tensor& total_count() const { return total_count_; }
  const at::Tensor& logits() const { return logits_; }
  const at::Tensor& probs() const { return probs_; }

 private:
  explicit Binomial(std::vector<at::Tensor> params);
  at::Tensor total_count_;
  at::Tensor logits_;
  at::Tensor probs_;
};

}  // namespace elbo::dist
