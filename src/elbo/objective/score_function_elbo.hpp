#pragma once
// The score-function (REINFORCE, likelihood-ratio) ELBO gradient of black-box
// variational inference (Ranganath, Gerrish & Blei 2014, "Black Box
// Variational Inference", AISTATS, eq. 3):
//   ∇λ L = E_q[∇λ log q(θ; λ) (log p(x, θ) − log q(θ; λ))],
// estimated with K draws. It needs only VALUES of log p: the draws are
// detached and p.log_prob runs under torch::NoGradGuard, so the model can be
// a black box (non-differentiable, discrete latents). The surrogate's value
// is the ELBO estimate (1/K) Σ_k w_k (log p − log q)(θ_k) and its gradient is
// the estimator below (objective.hpp's contract).
//
// With q = Π_f q_f(θ_f; λ_f) (Family::num_factors, factor_coordinates) the
// estimator of λ_f's gradient is
//   ĝ_f = (1/K) Σ_k w_{k,f} ∇λ_f log q_f(θ_k) (L_{k,f} − a_{k,f}),
// and the options choose the pieces, in any combination:
//  * learning signal L_{k,f}: log p(θ_k) − log q(θ_k) (plain), or with
//    rao_blackwellize the Markov-blanket signal (BBVI §3.1, eq. 5)
//      L_{k,f} = Σ_{t ∈ terms touching factor f} log p_t(θ_k) − log q_f(θ_k),
//    from LogDensity::log_prob_terms / term_coordinates (a term touches f when
//    it reads one of f's coordinates). Undeclared terms: the plain signal.
//  * control variate a_{k,f}:
//    - none: 0;
//    - baseline: a moving average b_f ← d·b_f + (1 − d)·mean_k(w L)_{·,f} of
//      the signal over previous calls (0 on the first call, then the first
//      mean; d = baseline_decay). Unbiased: b does not depend on this call's draws.
//    - optimal: the score-function control variate h = ∇λ log q with the
//      per-factor scaling of BBVI eq. 9,
//        a*_f = Σ_{j∈f} Cov(f_j, h_j) / Σ_{j∈f} Var(h_j),  f_j = w h_j L_f,
//      estimated LEAVE-ONE-OUT: draw k uses a*_f from the other K − 1 draws,
//      so a is independent of draw k and the estimator stays exactly unbiased
//      (needs K ≥ 2). Since E[w h] = 0 the moments are taken about zero:
//        a_{k,f} = Σ_{k'≠k} w² L n / Σ_{k'≠k} w² n,  n_{k',f} = ‖∇λ_f log q_f(θ_k')‖².
//      The per-draw scores come from Family::score (closed form for the
//      mean-field families, autograd per draw otherwise).
//  * overdispersed importance sampling (Ruiz, Titsias & Blei 2016, "Overdispersed
//    black-box variational inference", UAI, eq. 6), overdispersion τ > 1: the
//    draws come from r = q.overdispersed(τ) (same family, heavier tails) and
//    are reweighted by w = q/r. Without Rao–Blackwellisation w_k = q(θ_k)/r(θ_k);
//    with it, w_{k,f} is the product of q_m/r_m over the factors m in f's Markov
//    blanket (f and the factors sharing a term with it) — exactly unbiased
//    since r is a product too. τ = 1: draws from q, w = 1.
// Draws whose log p is not finite are dropped (Estimate::dropped) as in
// ReparamElbo; NumericalError when none is left.
//
// The moving-average baseline is state of this object (baseline(), reset());
// it is not part of an Svi checkpoint.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

enum class ControlVariate { none, baseline, optimal };

struct ScoreFunctionElboOptions {
  /// K ≥ 1 draws per estimate (≥ 2 with the optimal control variate).
  ScoreFunctionElboOptions& num_draws(int64_t k) { num_draws_ = k; return *this; }
  ScoreFunctionElboOptions& control_variate(ControlVariate cv) { control_variate_ = cv; return *this; }
  /// Decay d ∈ [0, 1) of the moving-average baseline.
  ScoreFunctionElboOptions& baseline_decay(double d) { baseline_decay_ = d; return *this; }
  ScoreFunctionElboOptions& rao_blackwellize(bool on) { rao_blackwellize_ = on; return *this; }
  /// τ ≥ 1 (finite); 1 turns overdispersed importance sampling off.
  ScoreFunctionElboOptions& overdispersion(double tau) { overdispersion_ = tau; return *this; }

  int64_t num_draws() const { return num_draws_; }
  ControlVariate control_variate() const { return control_variate_; }
  double baseline_decay() const { return baseline_decay_; }
  bool rao_blackwellize() const { return rao_blackwellize_; }
  double overdispersion() const { return overdispersion_; }

 private:
  int64_t num_draws_ = 10;
  ControlVariate control_variate_ = ControlVariate::none;
  double baseline_decay_ = 0.9;
  bool rao_blackwellize_ = false;
  double overdispersion_ = 1.0;
};

class ScoreFunctionElbo : public Objective {
 public:
  /// Throws ConfigError for K < 1, K < 2 with the optimal control variate, a
  /// decay outside [0, 1) or τ < 1 / non-finite.
  explicit ScoreFunctionElbo(ScoreFunctionElboOptions options = {});

  /// The spec string of make_score_objective: "reinforce", "reinforce+cv+rb",
  /// "reinforce+baseline:0.9+odis:2", ...
  std::string name() const override;
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;

  const ScoreFunctionElboOptions& options() const { return options_; }
  /// The moving-average baseline b [F] (undefined before the first call).
  const at::Tensor& baseline() const { return baseline_; }
  /// Forgets the baseline and the cached model/family structure.
  void reset();

 private:
  // Term → factor incidence and Markov blankets, cached per (p, q) structure.
  struct Structure {
    const model::LogDensity* density = nullptr;
    const family::Family* family = nullptr;
    int64_t dim = -1;
    int64_t num_factors = -1;
    bool declared = false;
    at::Tensor signal_terms, signal_factors;     // pairs (t, f): term t touches factor f
    at::Tensor blanket_factors, blanket_members;  // pairs (f, m): m in f's Markov blanket
  };
  const Structure& structure(const model::LogDensity& p, family::Family& q);

  ScoreFunctionElboOptions options_;
  at::Tensor baseline_;
  Structure structure_;
};

}  // namespace elbo::objective
