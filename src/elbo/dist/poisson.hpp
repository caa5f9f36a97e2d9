#pragma once
// Poisson distribution with rate λ: log p(k) = k log λ − λ − lgamma(k + 1) for
// integer k ≥ 0; other values have log_prob −inf. No analytic entropy.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class Poisson : public Distribution {
 public:
  /// rate nonnegative and finite (rate 0 puts all mass on 0).
  explicit Poisson(Param rate);

  std::string name() const override { return "poisson"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  /// Counts as floating values in the rate's dtype.
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  at::Tensor mean() const override { return rate_; }
  at::Tensor variance() const override { return rate_; }

  const at::Tensor& rate() const { return rate_; }

 private:
  explicit Poisson(std::vector<at::Tensor> params);
  at::Tensor rate_;
};

}  // namespace elbo::dist
