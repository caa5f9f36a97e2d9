#pragma once
// A log density seen in coordinates standardised by a start (whitening):
//
//   θ = m + L u,   log p_u(u) = log p(m + L u) + log|det L|,
//
// with m a mode and L a Cholesky factor of the covariance there (Laplace's
// A⁻¹, or the diagonal of L-BFGS's inverse-Hessian estimate). In u the
// posterior has roughly unit scale in every direction, so an optimizer's step
// size means the same on every posterior: a step of 0.03 cannot fit a
// parameter whose sd is 1e-4 next to one whose sd is 1e3, but it can fit both
// once each is measured in its own sds. The log|det L| term makes p_u a
// density of u, so ELBOs in u equal ELBOs in θ (KL is invariant under the
// change of variables).
#include <ATen/core/Tensor.h>

#include <memory>

#include "elbo/model/log_density.hpp"

namespace elbo::model {

class WhitenedDensity : public LogDensity {
 public:
  /// `shift` m [D]; `scale_tril` L [D, D], lower triangular with a positive diagonal.
  WhitenedDensity(std::shared_ptr<const LogDensity> p, at::Tensor shift, at::Tensor scale_tril);

  using LogDensity::log_prob;
  int64_t dim() const override;
  int64_t num_data() const override;
  at::Tensor log_prob(const at::Tensor& u, const Subsample& data) const override;
  /// ∇_u = Lᵀ ∇_θ (a row per draw: ∇_θ L), from p's own gradient.
  LogProbAndGradient log_prob_and_gradient(const at::Tensor& u, const Subsample& data) const override;
  /// Lᵀ ∇²_θ log p L.
  at::Tensor hessian(const at::Tensor& u) const override;
  at::Tensor log_prob_terms(const at::Tensor& u, const Subsample& data) const override;
  /// A full L mixes coordinates, so p's term coordinates only hold when L is diagonal.
  std::vector<std::vector<int64_t>> term_coordinates() const override;

  /// θ = m + L u for u [K, D].
  at::Tensor to_theta(const at::Tensor& u) const;
  /// u = L⁻¹(θ − m) for θ [K, D].
  at::Tensor to_u(const at::Tensor& theta) const;
  const LogDensity& base() const { return *p_; }
  const at::Tensor& shift() const { return shift_; }
  const at::Tensor& scale_tril() const { return scale_tril_; }
  double log_abs_det() const { return log_abs_det_; }

 private:
  std::shared_ptr<const LogDensity> p_;
  at::Tensor shift_;
  at::Tensor scale_tril_;
  bool diagonal_;
  double log_abs_det_;
};

}  // namespace elbo::model
