#pragma once
// Student's t distribution with df ν, location μ and scale σ:
//   log p(x) = lgamma((ν+1)/2) − lgamma(ν/2) − ½ log(νπ) − log σ
//              − (ν+1)/2 · log(1 + z²/ν),  z = (x − μ)/σ.
#include "elbo/dist/distribution.hpp"
#include "elbo/dist/param.hpp"

namespace elbo::dist {

class StudentT : public Distribution {
 public:
  /// df positive, loc finite, scale positive (all finite).
  StudentT(Param df, Param loc = 0.0, Param scale = 1.0);

  std::string name() const override { return "student_t"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// μ + σ ε √(ν / V), ε ~ N(0, 1), V = 2 G ~ χ²(ν), G ~ Gamma(ν/2, 1); the
  /// gradient in ν flows through the implicit gamma gradient of _standard_gamma.
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// (ν+1)/2 (ψ((ν+1)/2) − ψ(ν/2)) + ½ log ν + log B(ν/2, ½) + log σ.
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  /// μ for ν > 1, NaN otherwise.
  at::Tensor mean() const override;
  /// σ² ν/(ν − 2) for ν > 2, +inf for 1 < ν ≤ 2, NaN for ν ≤ 1.
  at::Tensor variance() const override;

  const at::Tensor& df() const { return df_; }
  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale() const { return scale_; }

 private:
  explicit StudentT(std::vector<at::Tensor> params);
  at::Tensor df_;
  at::Tensor loc_;
  at::Tensor scale_;
};

}  // namespace elbo::dist
