#pragma once
// The importance-weighted bound (Burda, Grosse & Salakhutdinov 2016, "Importance
// Weighted Autoencoders", eq. 8): with K draws θ_k ~ q and w_k = p(x, θ_k)/q(θ_k),
//
//   L_K = E[ log (1/K) Σ_k w_k ] ≤ log p(x),   L_1 = ELBO,  L_K ↑ log p(x) as K → ∞,
//
// computed as a log-sum-exp of log w_k. The default gradient is the plain
// reparameterised one, ∇L_K = Σ_k w̃_k ∇log w_k with w̃ = w / Σw. The
// doubly-reparameterised gradient (DReG; Tucker, Lawson, Gu & Maddison 2019,
// eq. 7) replaces the score part by its reparameterised equivalent,
//   ∇_DReG = Σ_k w̃_k² ∂log w_k/∂θ_k · ∂θ_k/∂λ,
// unbiased for the same ∇L_K, with variance that vanishes when q = p(θ | x).
//
// Families that prefer weighted draws (flows, mixtures: Family::rsample_weighted
// returns θ_k, log q(θ_k) and weights π_k summing to one) enter as
// log Σ_k π_k w_k, an unbiased (stratified) estimate of p(x) inside the log.
// DReG is only defined for plain draws (the mixture weights carry their own
// gradient); asking for it with such a family is a ConfigError.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

/// Log importance weights of K draws from q, shared by the IWAE, Rényi and
/// χ bounds. Draws whose log p is not finite are dropped (counted) and the
/// draw weights renormalised over the rest; NumericalError when none is left.
struct ImportanceWeights {
  at::Tensor log_w;       // [K'] log p(x, θ_k) − log q(θ_k), differentiable in λ
  at::Tensor log_pi;      // [K'] log draw weights (log 1/K, or of rsample_weighted's)
  at::Tensor log_w_path;  // [K'] log p − log q(θ_k; stop_grad λ) (path only), if asked
  int64_t dropped = 0;
};

ImportanceWeights importance_weights(const model::LogDensity& p, family::Family& q,
                                     const model::Subsample& data, int64_t num_draws,
                                     at::Generator gen, bool path_derivative = false,
                                     const char* function = "importance_weights");

struct IwaeBoundOptions {
  /// K, the importance samples inside the log.
  TORCH_ARG(int64_t, num_draws) = 16;
  /// DReG gradient (Tucker et al. 2019). Off by default: the plain estimator of Burda et al.
  TORCH_ARG(bool, doubly_reparameterized) = false;
};

class IwaeBound : public Objective {
 public:
  explicit IwaeBound(IwaeBoundOptions options = {});
  /// "iwae:<K>"
  std::string name() const override;
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;
  const IwaeBoundOptions& options() const { return options_; }

 private:
  IwaeBoundOptions options_;
};

}  // namespace elbo::objective
