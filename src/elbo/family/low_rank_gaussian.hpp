#pragma once
// Low-rank-plus-diagonal Gaussian q(θ) = N(θ | μ, W Wᵀ + diag(exp(2ψ))) with
// W ∈ R^{D×r} (Rezende et al. 2014; Ong, Nott & Smith 2018). O(D r²) log
// density and entropy through the matrix determinant lemma and Woodbury:
//   C = I_r + Wᵀ Ψ⁻¹ W,  log|Σ| = log|C| + Σ 2ψ_d,
//   (θ−μ)ᵀ Σ⁻¹ (θ−μ) = xᵀΨ⁻¹x − (WᵀΨ⁻¹x)ᵀ C⁻¹ (WᵀΨ⁻¹x).
#include <cstdint>

#include "elbo/family/family.hpp"

namespace elbo::family {

class LowRankGaussian : public Family {
 public:
  /// μ = 0, ψ = log(init_scale), W small and seeded (W = 0 is a saddle point
  /// of the ELBO, so it is broken by a seeded N(0, (0.1·init_scale)²) draw).
  LowRankGaussian(int64_t dim, int64_t rank, double init_scale = 1.0, uint64_t init_seed = 0);

  std::string family_name() const override { return "lowrank"; }
  int64_t rank() const { return rank_; }
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() override;
  at::Tensor covariance() override;
  void initialize(const at::Tensor& location) override;
  std::shared_ptr<Family> clone_family() const override;
  /// W rotated to W V (V from W's SVD): orthogonal columns by decreasing norm,
  /// each column's sign chosen to agree with the reference factor (or, with
  /// no reference, so that its largest entry is positive).
  std::vector<at::Tensor> canonical_parameters(const std::vector<at::Tensor>& reference = {}) override;

  at::Tensor loc;         // μ [D]
  at::Tensor factor;      // W [D, r]
  at::Tensor log_diag;    // ψ [D]: diagonal standard deviations on the log scale

 private:
  /// Cholesky factor of the capacitance matrix C = I + WᵀΨ⁻¹W.
  at::Tensor capacitance_tril() const;
  int64_t rank_;
};

}  // namespace elbo::family
