#pragma once
// The χ upper bound of CHIVI (Dieng, Tran, Ranganath, Paisley & Blei 2017,
// "Variational Inference via χ Upper Bound Minimization", NeurIPS, eq. 5):
//
//   CUBO_n(q) = (1/n) log E_q[(p(x, θ)/q(θ))^n] ≥ log p(x),   n > 1 (n = 2 by default),
//
// minimised over λ; it equals log p(x) iff q = p(θ | x), and minimising it
// minimises the χ^n divergence D_χⁿ(p ‖ q), which is mass-covering.
// Following the paper's Algorithm 1, the gradient is that of the unbiased
// surrogate exp(n·CUBO) = E_q[w^n], computed in log space with the largest
// log weight m factored out (a positive per-step scale):
//
//   L̃ = Σ_k π_k exp(n (log w_k − m)),   ∇L̃ = n Σ_k π_k (w_k/e^m)^n ∇log w_k.
//
// Contract: Objective drivers maximise the surrogate, so Estimate::surrogate is
// −L̃ (or −CUBÔ with log_surrogate(true), the biased log-space gradient), while
// Estimate::value reports the CUBO estimate (1/n) log Σ_k π_k w_k^n. bound_kind()
// is BoundKind::upper so progress output can say "upper bound".
// Weighted draws (flows, mixtures) enter with their weights π_k.
#include <torch/arg.h>

#include <cstdint>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

struct ChiUpperBoundOptions {
  /// n > 1 (the χ^n divergence; n = 2 is χ²).
  TORCH_ARG(double, n) = 2.0;
  /// K draws per estimate.
  TORCH_ARG(int64_t, num_draws) = 5;
  /// Surrogate −CUBÔ itself instead of the paper's −exp(n·CUBO) scaled surrogate.
  TORCH_ARG(bool, log_surrogate) = false;
};

class ChiUpperBound : public Objective {
 public:
  explicit ChiUpperBound(ChiUpperBoundOptions options = {});
  /// "chi:<n>"
  std::string name() const override;
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;
  BoundKind bound_kind() const override { return BoundKind::upper; }
  const ChiUpperBoundOptions& options() const { return options_; }

 private:
  ChiUpperBoundOptions options_;
};

}  // namespace elbo::objective
