#pragma once
// A finite mixture of C Gaussians over R^D,
//   q(θ) = Σ_c π_c N(θ | μ_c, L_c L_cᵀ),   π = softmax(logits),
// with full-rank components (L_c = tril(L_raw,c, −1) + diag(exp(log_diag_c)))
// or diagonal ones (L_c = diag(exp(log_diag_c))). log q is a logsumexp over the
// components.
//
// Gradients for the weights: a draw's component index is discrete, so a plain
// rsample cannot carry ∂/∂π. rsample_weighted draws K from EVERY component
// (stratified) and returns weights π_c / K, so the ELBO
//   Σ_c π_c E_{q_c}[log p(θ) − log q(θ)]
// is estimated with gradients for the weights (through π_c) and for the
// components (through the reparameterised draws and log q); Roeder, Wu &
// Duvenaud 2017 §5 and Miller, Foti & Adams 2017 ("Variational Boosting") use
// the same estimator. prefers_weighted_draws() is true, so ReparamElbo and
// elbo_value use it: rsample_weighted(K) returns C·K draws.
#include <torch/arg.h>

#include "elbo/family/family.hpp"

namespace elbo::family {

struct GaussianMixtureOptions {
  /// Full-rank (true) or diagonal (false) component covariances.
  TORCH_ARG(bool, full_rank) = true;
  /// Initial standard deviation of every component.
  TORCH_ARG(double, init_scale) = 1.0;
  /// Component means start at location ± spread along the coordinate axes
  /// (see initialize), so the components can separate.
  TORCH_ARG(double, spread) = 1.0;
};

class GaussianMixture : public Family {
 public:
  /// Equal weights, components of sd init_scale around 0 (see initialize).
  GaussianMixture(int64_t dim, int64_t num_components, GaussianMixtureOptions options = {});

  /// "mixture:C" or "mixture:C:diag" (the make_family spec).
  std::string family_name() const override;
  int64_t num_components() const { return num_components_; }
  bool full_rank() const { return options_.full_rank(); }
  const GaussianMixtureOptions& options() const { return options_; }

  /// K draws: a component per draw from π (no gradient for π), then
  /// reparameterised within the component.
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  /// K draws from each component (C·K rows, component-major), log q at them,
  /// weights π_c / K (differentiable).
  WeightedDraws rsample_weighted(int64_t num_draws, at::Generator gen) override;
  bool prefers_weighted_draws() const override { return true; }
  bool full_whitening() const override { return full_rank(); }

  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;

  /// Σ π_c μ_c and Σ π_c (Σ_c + μ_c μ_cᵀ) − m mᵀ (detached).
  at::Tensor mean() override;
  at::Tensor covariance() override;

  /// Component c's mean = location + spread · s_c e_{j_c}: component 0 at
  /// +e_0, 1 at −e_0, 2 at +e_1, 3 at −e_1, …, cycling over the D axes with
  /// the offset doubling each cycle; a single component sits at location.
  /// Weights and scales are reset to equal weights and sd init_scale.
  void initialize(const at::Tensor& location) override;
  std::shared_ptr<Family> clone_family() const override;

  /// π [C] and log π [C] (differentiable).
  at::Tensor weights() const;
  at::Tensor log_weights() const;
  /// L_c [C, D, D] (differentiable).
  at::Tensor scale_tril() const;
  /// log N(θ_k | μ_c, L_c L_cᵀ) [K, C] (differentiable).
  at::Tensor component_log_prob(const at::Tensor& theta) const;

  /// Sets every component and the weights: loc [C, D], scale_tril [C, D, D]
  /// lower triangular with a positive diagonal (diagonal for a diagonal
  /// mixture), weights [C] positive (normalised here). Throws DomainError.
  void set_components(const at::Tensor& loc, const at::Tensor& scale_tril,
                      const at::Tensor& weights);

  /// log N(θ_k | loc_c, L_c L_cᵀ) for θ [K, D], loc [C, D], L [C, D, D] → [K, C]
  /// by one batched triangular solve (differentiable in all arguments).
  static at::Tensor gaussian_log_prob(const at::Tensor& theta, const at::Tensor& loc,
                                      const at::Tensor& scale_tril);

  at::Tensor logits;    // [C]
  at::Tensor loc;       // μ [C, D]
  at::Tensor log_diag;  // log diag L_c [C, D]
  at::Tensor tril_raw;  // [C, D, D], strictly lower part used (full rank only)

 private:
  at::Tensor log_prob_impl(const at::Tensor& theta, bool detach_parameters) const;

  int64_t num_components_;
  GaussianMixtureOptions options_;
};

}  // namespace elbo::family
