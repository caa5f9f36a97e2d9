#pragma once
// The reparameterised ELBO (Kingma & Welling 2014; Titsias & Lázaro-Gredilla
// 2014; ADVI, Kucukelbir et al. 2017 eq. 7):
//   L(λ) = E_{ε}[log p(x, T_λ(ε))] + H[q_λ],   θ = T_λ(ε) = q.rsample(),
// estimated with K draws. The entropy is analytic when the family has it
// (lower variance), otherwise −(1/K) Σ log q(θ_k). Draws whose log p is not
// finite are dropped (counted in Estimate::dropped) as long as at least one
// remains — the named non-finite policy of the SVI driver decides what then.
//
// "Sticking the landing" (Roeder, Wu & Duvenaud 2017): with the path-derivative
// estimator the entropy term is −log q(θ; stop_grad(λ)) at θ = T_λ(ε); its
// score part, whose expectation is zero, is dropped, so the gradient variance
// vanishes when q equals the posterior. The bound's value is unchanged.
#include <cstdint>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

struct ReparamElboOptions {
  ReparamElboOptions& num_draws(int64_t k) { num_draws_ = k; return *this; }
  ReparamElboOptions& analytic_entropy(bool on) { analytic_entropy_ = on; return *this; }
  ReparamElboOptions& stick_the_landing(bool on) { stick_the_landing_ = on; return *this; }
  bool stick_the_landing() const { return stick_the_landing_; }
  int64_t num_draws() const { return num_draws_; }
  bool analytic_entropy() const { return analytic_entropy_; }

 private:
  int64_t num_draws_ = 1;
  bool analytic_entropy_ = true;
  bool stick_the_landing_ = false;
};

class ReparamElbo : public Objective {
 public:
  explicit ReparamElbo(ReparamElboOptions options = {});
  std::string name() const override { return "elbo"; }
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;
  const ReparamElboOptions& options() const { return options_; }

 private:
  ReparamElboOptions options_;
};

/// A gradient-free Monte-Carlo estimate of the ELBO with K draws on all data
/// (Stan's elbo_samples): used for monitoring and convergence checks.
double elbo_value(const model::LogDensity& p, family::Family& q, int64_t num_draws,
                  at::Generator gen);

}  // namespace elbo::objective
