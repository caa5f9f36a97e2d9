#pragma once
// Full-rank Gaussian q(θ) = N(θ | μ, L Lᵀ), Stan's ADVI "fullrank" family
// (Kucukelbir et al. 2017, §2.4), with L lower triangular. The diagonal of L is
// stored on the log scale so L stays a valid Cholesky factor:
//   L = tril(L_raw, −1) + diag(exp(log_diag)).
//
// λ is ONE flat parameter [μ (D) | L_raw (D·D, row-major) | log_diag (D)], so
// the optimizer, the finite-gradient check and iterate averaging each touch a
// single tensor; loc(), tril_raw() and log_diag() are differentiable views.
// rsample is one autograd node whose backward writes ∂/∂λ directly, and the
// Cholesky factor built for it is reused by log_prob_stop_gradient while λ is
// unchanged (the parameter's version counter identifies λ). For θ = μ + Lε
// straight from rsample, log_prob_stop_gradient uses z = L⁻¹(θ − μ) = ε
// without a solve, and is one autograd node (∂/∂θ = −L⁻ᵀ z).
#include "elbo/family/family.hpp"

namespace elbo::family {

class FullRankGaussian : public Family {
 public:
  /// μ = 0, L = init_scale · I.
  explicit FullRankGaussian(int64_t dim, double init_scale = 1.0);

  std::string family_name() const override { return "fullrank"; }
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() override;
  at::Tensor covariance() override;
  void initialize(const at::Tensor& location) override;
  /// μ = mean, L L ᵀ = precision⁻¹ (the Gaussian itself).
  void initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) override;
  bool takes_gaussian_start() const override { return true; }
  bool full_whitening() const override { return true; }
  std::shared_ptr<Family> clone_family() const override;

  /// The Cholesky factor L (differentiable in λ).
  at::Tensor scale_tril() const;

  /// Views of λ (differentiable): μ [D], L_raw [D, D] (only the strictly lower
  /// part is used), log diag(L) [D].
  at::Tensor loc() const;
  at::Tensor tril_raw() const;
  at::Tensor log_diag() const;

  at::Tensor lambda;  // [2D + D²], the one registered parameter

 private:
  /// L and −Σ log L_ii − D/2 log 2π without gradient, cached for the current λ.
  const at::Tensor& constant_scale_tril();

  at::Tensor cached_L_;
  at::Tensor cached_log_norm_;
  int64_t cached_version_ = -1;
  const void* cached_data_ = nullptr;
  // The last rsample's output (detached alias) and base draws ε.
  at::Tensor last_theta_;
  at::Tensor last_eps_;
  int64_t last_theta_version_ = -1;
  int64_t last_lambda_version_ = -1;
};

}  // namespace elbo::family
