#pragma once
// Multivariate normal with low-rank-plus-diagonal covariance Σ = W Wᵀ + diag(d),
// W [..., D, r]. Costs O(D r²) instead of O(D³): with the capacitance matrix
// C = I_r + Wᵀ D⁻¹ W = L_C L_Cᵀ,
//   Woodbury:                 Σ⁻¹ = D⁻¹ − D⁻¹ W C⁻¹ Wᵀ D⁻¹,
//   matrix determinant lemma: log det Σ = log det C + Σᵢ log dᵢ.
// (As torch.distributions.LowRankMultivariateNormal.)
#include "elbo/dist/distribution.hpp"

namespace elbo::dist {

class LowRankMultivariateNormal : public Distribution {
 public:
  /// loc [..., D] finite, cov_factor [..., D, r] finite, cov_diag [..., D] positive.
  LowRankMultivariateNormal(at::Tensor loc, at::Tensor cov_factor, at::Tensor cov_diag);

  std::string name() const override { return "low_rank_multivariate_normal"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  /// μ + W ε₁ + √d ⊙ ε₂, ε₁ ~ N(0, I_r), ε₂ ~ N(0, I_D).
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return true; }
  /// ½ (D (1 + log 2π) + log det Σ).
  at::Tensor entropy() const override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() const override { return loc_; }
  /// diag(Σ) = Σⱼ W_ij² + dᵢ.
  at::Tensor variance() const override;

  const at::Tensor& loc() const { return loc_; }
  const at::Tensor& cov_factor() const { return cov_factor_; }
  const at::Tensor& cov_diag() const { return cov_diag_; }
  /// L_C, the Cholesky factor of C = I + Wᵀ D⁻¹ W, [..., r, r].
  const at::Tensor& capacitance_tril() const { return capacitance_tril_; }
  at::Tensor covariance_matrix() const;
  /// log det Σ, shape batch.
  at::Tensor log_det_covariance() const;
  /// (x − μ)ᵀ Σ⁻¹ (x − μ) for diff = x − μ [sample..., batch..., D].
  at::Tensor mahalanobis(const at::Tensor& diff) const;
  int64_t dim() const { return loc_.size(-1); }
  int64_t rank() const { return cov_factor_.size(-1); }

 private:
  explicit LowRankMultivariateNormal(std::vector<at::Tensor> params);
  at::Tensor loc_;
  at::Tensor cov_factor_;
  at::Tensor cov_diag_;
  at::Tensor capacitance_tril_;
};

}  // namespace elbo::dist
