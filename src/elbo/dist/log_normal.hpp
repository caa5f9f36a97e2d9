#pragma once
// Log-normal distribution: X = exp(Y), Y ~ N(loc, scale²):
//   log p(x) = log N(log x; μ, σ²) − log x,  x > 0 (−inf elsewhere).
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class LogNormal : public Distribution {
 public:
  /// loc finite, scale positive and finite (parameters of log X).
  LogNormal(Param loc, Param scale);

  std::string name() const override { return "log_normal"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// exp(loc + scale · ε).
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// μ + ½ + ½ log 2π + log σ.
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  /// exp(μ + σ²/2).
  at::Tensor mean() const override;
  /// (exp(σ²) − 1) exp(2μ + σ²).
  at::Tensor variance() const override;

  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale() const { return scale_; }

 private:
  explicit LogNormal(std::vector<at::Tensor> params);
  at::Tensor loc_;
  at::Tensor scale_;
};

}  // namespace elbo::dist
