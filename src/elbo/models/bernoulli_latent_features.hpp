#pragma once
// A Bernoulli latent-feature model for binary data — a one-layer sigmoid
// belief network (Neal 1992; Mnih & Gregor 2014, §5) with Gaussian weights:
//   z_{n,k} ~ Bernoulli(ρ)                                (latent "z" [N, K], binary)
//   W_{k,d} ~ N(0, s²),  b_d ~ N(0, s²)                    (latents "W" [K, D], "b" [D], real)
//   x_{n,d} | z_n, W, b ~ Bernoulli(sigmoid(b_d + Σ_k z_{n,k} W_{k,d})).
// log p = Σ_n ℓ_n + r with
//   ℓ_n = Σ_k log Bern(z_{n,k} | ρ) + Σ_d log Bern(x_{n,d} | sigmoid(η_{n,d}))  (reads z_n, W, b),
//   r   = log N(W | 0, s²) + log N(b | 0, s²)                                    (reads W, b),
// declared through log_joint_term_scopes() for Rao–Blackwellisation. The
// expressions are polynomial / smooth in z, so relaxed (Concrete) draws of z in
// (0, 1) flow through them for Gumbel-softmax estimators. No subsampling.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::models {

struct BernoulliLatentFeaturesOptions {
  /// Prior probability ρ ∈ (0, 1) that a feature is on.
  TORCH_ARG(double, feature_probability) = 0.5;
  /// Prior scale s of the weights and biases.
  TORCH_ARG(double, prior_weight_scale) = 1.0;
};

class BernoulliLatentFeatures : public model::Model {
 public:
  /// x [N, D] with values 0 or 1 (DomainError otherwise), N, D ≥ 1;
  /// num_features K ≥ 1; ρ ∈ (0, 1) and s > 0 (ConfigError).
  BernoulliLatentFeatures(const at::Tensor& x, int64_t num_features,
                          BernoulliLatentFeaturesOptions options = {});

  std::string name() const override { return "bernoulli_latent_features"; }
  /// {"W", {K, D}, real}, {"b", {D}, real}, {"z", {N, K}, binary}.
  std::vector<model::Latent> latents() const override;
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
  /// N image terms ℓ_n (scope: z row n, W, b), then the prior term r (W, b).
  std::vector<model::TermDependencies> log_joint_term_scopes() const override;
  /// [K_draws, N + 1].
  at::Tensor log_joint_terms(const model::Draws& z, const model::Subsample& data) const override;

  int64_t num_points() const { return x_.size(0); }
  int64_t num_pixels() const { return x_.size(1); }
  int64_t num_features() const { return num_features_; }

 private:
  at::Tensor x_;  // [N, D]
  int64_t num_features_;
  BernoulliLatentFeaturesOptions options_;
};

}  // namespace elbo::models
