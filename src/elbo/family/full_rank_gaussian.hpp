#pragma once
// Full-rank Gaussian q(θ) = N(θ | μ, L Lᵀ), Stan's ADVI "fullrank" family
// (Kucukelbir et al. 2017, §2.4), with L lower triangular. The diagonal of L is
// stored on the log scale so L stays a valid Cholesky factor:
//   L = tril(L_raw, −1) + diag(exp(log_diag)).
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
  std::shared_ptr<Family> clone_family() const override;

  /// The Cholesky factor L (differentiable in λ).
  at::Tensor scale_tril() const;

  at::Tensor loc;          // μ [D]
  at::Tensor tril_raw;     // [D, D]; only the strictly lower part is used
  at::Tensor log_diag;     // log diag(L) [D]
};

}  // namespace elbo::family
