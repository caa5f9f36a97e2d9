#pragma once
// Multivariate normal N(μ, Σ) with Σ = L Lᵀ given by its lower Cholesky factor L:
//   log p(x) = −½ ‖L⁻¹(x − μ)‖² − Σᵢ log Lᵢᵢ − (D/2) log 2π.
// event_shape [D]; batch_shape is the broadcast of loc's and scale_tril's batch dims.
#include "elbo/dist/distribution.hpp"

namespace elbo::dist {

class MultivariateNormal : public Distribution {
 public:
  /// loc [..., D] finite; scale_tril [..., D, D] lower triangular with positive diagonal.
  MultivariateNormal(at::Tensor loc, at::Tensor scale_tril);
  /// covariance [..., D, D] symmetric positive definite (factored by Cholesky;
  /// DomainError when it is not positive definite).
  static MultivariateNormal from_covariance(at::Tensor loc, const at::Tensor& covariance);

  std::string name() const override { return "multivariate_normal"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// μ + L ε, ε ~ N(0, I).
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// (D/2)(1 + log 2π) + Σᵢ log Lᵢᵢ.
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override { return loc_; }
  /// diag(Σ) = row sums of L².
  at::Tensor variance() const override;

  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& scale_tril() const { return scale_tril_; }
  at::Tensor covariance_matrix() const;
  int64_t dim() const { return loc_.size(-1); }

 private:
  explicit MultivariateNormal(std::vector<at::Tensor> params);
  at::Tensor loc_;
  at::Tensor scale_tril_;
};

}  // namespace elbo::dist
