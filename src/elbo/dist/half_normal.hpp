#pragma once
// Half-normal distribution: X = |Y|, Y ~ N(0, scale²):
//   log p(x) = ½ log(2/π) − log σ − x²/(2σ²),  x ≥ 0 (−inf elsewhere).
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class HalfNormal : public Distribution {
 public:
  /// scale positive and finite.
  explicit HalfNormal(Param scale);

  std::string name() const override { return "half_normal"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// |scale · ε|.
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// ½ log(πσ²/2) + ½.
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  /// σ √(2/π).
  at::Tensor mean() const override;
  /// σ² (1 − 2/π).
  at::Tensor variance() const override;

  const at::Tensor& scale() const { return scale_; }

 private:
  explicit HalfNormal(std::vector<at::Tensor> params);
  at::Tensor scale_;
};

}  // namespace elbo::dist
