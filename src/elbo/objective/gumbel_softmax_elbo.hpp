#pragma once
// The Gumbel-softmax / Concrete relaxation of the ELBO for discrete latents
// (Jang, Gu & Poole 2017, "Categorical reparameterization with Gumbel-softmax";
// Maddison, Mnih & Teh 2017, "The Concrete distribution"): the discrete draws
// of q are replaced by relaxed, reparameterised ones (Family::rsample_relaxed:
// binary Concrete for Bernoulli latents, Concrete on the simplex for one-hot
// categoricals) and plugged into log p, which must accept values in [0, 1]
// (write the model with products such as z·log π rather than indexing):
//   L̃_τ(λ) = E_{ỹ ~ Concrete(λ, τ)}[log p(x, ỹ)] + H[q_λ],
// with the analytic entropy of the discrete q (so the family must have one).
// The gradient flows through ỹ (pathwise), so log p must be differentiable —
// unlike ScoreFunctionElbo this is not black box.
//
// BIASED: L̃_τ is a different objective from the ELBO (the model is evaluated
// off the discrete support); the bias vanishes only as τ → 0, where the
// gradient variance grows. The estimate's value is L̃_τ, not the ELBO —
// monitor the true ELBO with elbo_value (Svi does). Straight-through: hard
// one-hot values forward (log p on the discrete support) and the relaxed
// gradient backward; also biased.
//
// Temperature annealing (Jang et al. 2017 §4): τ_t = max(τ_min, τ_0 e^(−r t)),
// with t the number of estimate() calls so far (the SVI iteration). The floor
// never exceeds τ_0. The counter is state of this object (step(), reset()),
// not part of an Svi checkpoint.
#include <cstdint>
#include <string>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

struct GumbelSoftmaxElboOptions {
  GumbelSoftmaxElboOptions& num_draws(int64_t k) { num_draws_ = k; return *this; }
  /// Initial temperature τ_0 > 0.
  GumbelSoftmaxElboOptions& temperature(double t) { temperature_ = t; return *this; }
  /// Floor τ_min > 0 of the schedule (capped at τ_0).
  GumbelSoftmaxElboOptions& min_temperature(double t) { min_temperature_ = t; return *this; }
  /// Rate r ≥ 0 of τ_t = max(τ_min, τ_0 e^(−r t)); 0: constant τ_0.
  GumbelSoftmaxElboOptions& anneal_rate(double r) { anneal_rate_ = r; return *this; }
  GumbelSoftmaxElboOptions& straight_through(bool on) { straight_through_ = on; return *this; }

  int64_t num_draws() const { return num_draws_; }
  double temperature() const { return temperature_; }
  double min_temperature() const { return min_temperature_; }
  double anneal_rate() const { return anneal_rate_; }
  bool straight_through() const { return straight_through_; }

 private:
  int64_t num_draws_ = 1;
  double temperature_ = 1.0;
  double min_temperature_ = 0.5;
  double anneal_rate_ = 0.0;
  bool straight_through_ = false;
};

class GumbelSoftmaxElbo : public Objective {
 public:
  /// ConfigError for K < 1, a non-positive or non-finite temperature or
  /// floor, or a negative / non-finite rate.
  explicit GumbelSoftmaxElbo(GumbelSoftmaxElboOptions options = {});

  /// "gumbel:τ0" with "+st", "+anneal:r", "+min:τmin" as in make_score_objective.
  std::string name() const override;
  /// DomainError when the family has no analytic entropy.
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;

  /// τ_t for the current step (the temperature the next estimate uses).
  double temperature() const { return temperature_at(step_); }
  double temperature_at(int64_t step) const;
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }
  /// The driver's step sets τ's step, so a resumed run continues the schedule.
  void set_iteration(int64_t t) override { step_ = t; }
  /// Steps until τ reaches τ_min: ⌈ln(τ_0/τ_min)/r⌉ (0 without annealing).
  int64_t schedule_steps() const override;
  void reset() { step_ = 0; }
  const GumbelSoftmaxElboOptions& options() const { return options_; }

 private:
  GumbelSoftmaxElboOptions options_;
  int64_t step_ = 0;
};

}  // namespace elbo::objective
