#pragma once
// Hierarchical variational model (Ranganath, Tran & Blei 2016, "Hierarchical
// Variational Models", ICML): a mean-field "likelihood" q(θ | ν) whose
// parameters ν are themselves drawn from a variational prior q(ν),
//   q(θ) = ∫ q(θ | ν) q(ν) dν.
//
// What is implemented:
//   q(ν)     = N(ν; m, L Lᵀ), full-rank (L lower triangular, log diagonal),
//   q(θ | ν) = Π_d N(θ_d; ν_d, σ_d²), with either
//     - fixed scales σ_d = exp(s_d) (random_scale = false, ν ∈ R^D): then q(θ)
//       = N(m, L Lᵀ + diag σ²) is Gaussian and log q(θ) is exact; or
//     - random scales σ_d = exp(ν_{D+d}) (random_scale = true, ν ∈ R^{2D}): a
//       continuous scale mixture of Gaussians whose means and log-scales are
//       correlated, so q(θ) can be skewed and heavier-tailed than a Gaussian
//       and has no closed-form density.
// The marginal entropy is intractable in general, so the model is trained
// with the auxiliary-variable bound (the hierarchical ELBO of Ranganath et al. 2016 with a reverse
// model r; Agakov & Barber 2004):
//   L = E_{q(ν) q(θ|ν)}[log p(x, θ) + log r(ν | θ) − log q(θ | ν) − log q(ν)],
// which is ≤ the ELBO of q(θ) by E_q(θ)[KL(q(ν|θ) ‖ r(ν|θ))] and equal to it
// when the reverse model r is the exact conditional. Here r(ν | θ) =
// N(ν; a + W θ, C Cᵀ) with C full-rank lower triangular — affine in θ, so for
// fixed scales it can represent the exact Gaussian conditional q(ν | θ).
// r's parameters a, W, C are part of λ and trained by the same bound.
//
// rsample_weighted returns θ with log_q = log q(θ|ν) + log q(ν) − log r(ν|θ)
// (an over-estimate of log q(θ) in expectation), so ReparamElbo, elbo_value and
// the SVI driver evaluate the auxiliary bound without knowing the family;
// objective::AuxiliaryElbo computes the same bound explicitly. The importance
// weights p(x, θ) r(ν|θ) / (q(θ|ν) q(ν)) are unbiased for p(x), so the IWAE
// bound and the Rényi bound with α ∈ [0, 1), which also use rsample_weighted,
// remain lower bounds on log p(x) here (Jensen's inequality).
//
// log_prob(θ): exact for fixed scales; for random scales an importance-sampled
// estimate log (1/M) Σ_m q(θ|ν_m) q(ν_m) / r(ν_m|θ), ν_m ~ r(·|θ), with M =
// log_prob_draws from a generator seeded with log_prob_seed on every call (a
// deterministic function of θ and λ; biased low by Jensen's inequality, the
// bias vanishing as r approaches q(ν|θ) or M grows).
#include <torch/arg.h>

#include "elbo/family/family.hpp"

namespace elbo::family {

struct HierarchicalFamilyOptions {
  /// Scales of q(θ|ν) drawn from q(ν) too (ν ∈ R^{2D}) rather than fixed.
  TORCH_ARG(bool, random_scale) = true;
  /// Initial marginal sd of θ (split evenly between q(ν) and q(θ|ν)).
  TORCH_ARG(double, init_scale) = 1.0;
  /// Importance draws per θ for log_prob with random scales.
  TORCH_ARG(int64_t, log_prob_draws) = 256;
  TORCH_ARG(uint64_t, log_prob_seed) = 20160601;
};

/// One draw (ν, θ) per row with the three densities of the auxiliary bound.
struct AuxiliaryDraws {
  at::Tensor nu;                // [K, P]
  at::Tensor theta;             // [K, D]
  at::Tensor log_q_nu;          // log q(ν) [K]
  at::Tensor log_q_theta_given_nu;  // log q(θ | ν) [K]
  at::Tensor log_r;             // log r(ν | θ) [K]
};

class HierarchicalFamily : public Family {
 public:
  explicit HierarchicalFamily(int64_t dim, HierarchicalFamilyOptions options = {});

  /// "hierarchical" (random scales) or "hierarchical:mean" (fixed scales).
  std::string family_name() const override;
  const HierarchicalFamilyOptions& options() const { return options_; }
  /// Dimension P of ν: D, or 2D with random scales.
  int64_t nu_dim() const;

  /// Reparameterised (ν, θ) draws with log q(ν), log q(θ|ν), log r(ν|θ).
  AuxiliaryDraws rsample_auxiliary(int64_t num_draws, at::Generator gen);

  /// θ from q(θ) via ν (reparameterised).
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  /// θ, the auxiliary log_q above, weights 1/K.
  WeightedDraws rsample_weighted(int64_t num_draws, at::Generator gen) override;
  bool prefers_weighted_draws() const override { return true; }

  /// Exact (fixed scales) or importance-sampled (random scales), see above.
  at::Tensor log_prob(const at::Tensor& theta) override;
  /// Fixed scales: the exact log q with λ frozen. Random scales: throws
  /// DomainError — the path-derivative ("sticking the landing") estimator needs
  /// the exact marginal log q(θ), which this family does not have.
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;

  /// E[θ] = m_{1:D}; Cov[θ] = Cov(ν_{1:D}) + diag E[σ²] with E[σ_d²] =
  /// exp(2 m_{D+d} + 2 Var ν_{D+d}) for random scales (log-normal moments).
  at::Tensor mean() override;
  at::Tensor covariance() override;

  /// Prior mean of ν's location part = location; r's offset follows
  /// (a = m − W m keeps r centred where it was relative to θ).
  void initialize(const at::Tensor& location) override;
  /// 0.01: at 0.03 Adam's per-coordinate steps let noise grow every entry of
  /// the 2D × 2D Cholesky factor of q(ν), and the log-scale block's variance
  /// with them (heavy tails; the 50-D Gaussian benchmark diverged).
  double default_step_size() const override { return 0.01; }
  std::shared_ptr<Family> clone_family() const override;

  /// Pieces (differentiable): log q(ν) [K], log q(θ|ν) [K], log r(ν|θ) [K].
  at::Tensor prior_log_prob(const at::Tensor& nu) const;
  at::Tensor conditional_log_prob(const at::Tensor& theta, const at::Tensor& nu) const;
  at::Tensor reverse_log_prob(const at::Tensor& nu, const at::Tensor& theta) const;
  /// Cholesky factors of q(ν) and r(ν|θ) [P, P].
  at::Tensor prior_scale_tril() const;
  at::Tensor reverse_scale_tril() const;

  at::Tensor prior_loc;         // m [P]
  at::Tensor prior_tril_raw;    // [P, P], strictly lower part used
  at::Tensor prior_log_diag;    // log diag L [P]
  at::Tensor log_sigma;         // s [D] (fixed scales only)
  at::Tensor reverse_loc;       // a [P]
  at::Tensor reverse_weight;    // W [P, D]
  at::Tensor reverse_tril_raw;  // [P, P], strictly lower part used
  at::Tensor reverse_log_diag;  // log diag C [P]

 private:
  void check_theta(const char* function, const at::Tensor& theta) const;
  /// (location, log-scale) of q(θ|ν) for ν [K, P]: ([K, D], [K, D] or [D]).
  std::pair<at::Tensor, at::Tensor> conditional_parameters(const at::Tensor& nu) const;

  HierarchicalFamilyOptions options_;
};

}  // namespace elbo::family
