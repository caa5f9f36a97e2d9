#pragma once
// Exponential distribution with rate λ: log p(x) = log λ − λx, x ≥ 0.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Exponential : public Distribution {
 public:
  /// rate positive and finite.
  explicit Exponential(Param rate);

  std::string name() const override { return "exponential"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// E / λ, E ~ Exp(1).
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// 1 − log λ.
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override { return rate_.reciprocal(); }
  at::Tensor variance() const override { return rate_.square().reciprocal(); }

  const at::Tensor& rate() const { return rate_; }

 private:
  explicit Exponential(std::vector<at::Tensor> params);
  at::Tensor rate_;
};

}  // namespace elbo::dist
