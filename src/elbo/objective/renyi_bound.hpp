#pragma once
// The variational Rényi bound (Li & Turner 2016, "Rényi Divergence Variational
// Inference", NeurIPS, eqs. 5 and 10): for α ≠ 1,
//
//   L_α(q) = 1/(1−α) log E_q[(p(x, θ)/q(θ))^{1−α}] = log p(x) − D_α[q ‖ p(θ | x)],
//   L̂_α = 1/(1−α) log Σ_k π_k w_k^{1−α},   w_k = p(x, θ_k)/q(θ_k),   π_k = 1/K,
//
// computed stably as a log-sum-exp of π_k and (1−α) log w_k shifted by their
// weighted mean (so α → 1 loses no digits), with the reparameterised gradient
// Σ_k ŵ_k ∇log w_k, ŵ ∝ π w^{1−α}. L_α is non-increasing in α: α → 1 gives the
// ELBO, α = 0 the IWAE bound (log p(x) as K → ∞), α < 0 a bound above log p(x)
// in the K → ∞ limit whose finite-K estimate is still maximised (Li & Turner
// §4). VR-max (α → −∞, §5) keeps only the draw with the largest weight:
// L̂ = max_k log w_k.
//
// Families preferring weighted draws (flows, mixtures) enter as Σ_k π_k w_k^{1−α}
// with their weights π_k. The optional doubly-reparameterised gradient is the
// generalised DReG (Tucker et al. 2019 §4 for IWAE; the Rényi case follows the
// same identity, as in Bauer & Mnih 2021):
//   Σ_k [ŵ_k − (1−α) ŵ_k (1 − ŵ_k)] ∂log w_k/∂θ_k · ∂θ_k/∂λ,
// which is IWAE's Σ ŵ_k² ∇_path at α = 0 and sticking-the-landing at α → 1.
#include <torch/arg.h>

#include <cstdint>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

struct RenyiBoundOptions {
  /// α ≠ 1 (any finite real, negative allowed).
  TORCH_ARG(double, alpha) = 0.5;
  /// K draws per estimate.
  TORCH_ARG(int64_t, num_draws) = 5;
  /// VR-max: L̂ = max_k log w_k (alpha is then ignored).
  TORCH_ARG(bool, vr_max) = false;
  /// Generalised DReG gradient; not with vr_max.
  TORCH_ARG(bool, doubly_reparameterized) = false;
};

class RenyiBound : public Objective {
 public:
  explicit RenyiBound(RenyiBoundOptions options = {});
  /// "renyi:<α>" or "vrmax"
  std::string name() const override;
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;
  const RenyiBoundOptions& options() const { return options_; }

 private:
  RenyiBoundOptions options_;
};

}  // namespace elbo::objective
