#pragma once
// A non-collapsed Gaussian mixture with explicit one-hot assignment latents
// (Bishop 2006, §9.2 and §10.2, with known weights and observation noise):
//   μ_c ~ N(0, s² I_P)                       c = 1..C   (latent "mu" [C, P], real)
//   z_n ~ Cat(π)                              n = 1..N   (latent "z"  [N, C], one-hot)
//   x_n | z_n, μ ~ N(μ_{z_n}, σ² I_P).
// log p(x, z, μ) = Σ_n ℓ_n + Σ_c r_c with
//   ℓ_n = Σ_c z_{n,c} [log π_c + log N(x_n | μ_c, σ² I)]   (reads z_n and every μ_c),
//   r_c = log N(μ_c | 0, s² I)                              (reads μ_c only),
// declared through log_joint_term_scopes() so that Rao–Blackwellised
// score-function estimators (Ranganath et al. 2014, §3.1) give z_n's factor
// the single term ℓ_n. Normalising constants are included, so log_joint is
// the exact log joint density. No subsampling (z_n are local latents).
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::models {

struct GaussianMixtureAssignmentsOptions {
  /// Prior scale s of each mean coordinate, μ_{c,p} ~ N(0, s²).
  TORCH_ARG(double, prior_mean_scale) = 5.0;
  /// Known observation standard deviation σ.
  TORCH_ARG(double, observation_sd) = 1.0;
  /// Fixed mixture weights π [C] (positive, summing to 1); undefined: uniform.
  TORCH_ARG(at::Tensor, weights) = {};
};

class GaussianMixtureAssignments : public model::Model {
 public:
  /// x [N, P] (or [N] for P = 1) finite with N ≥ 1; num_clusters C ≥ 2;
  /// scales positive and weights of shape [C], positive, summing to 1
  /// (ConfigError / DomainError otherwise).
  GaussianMixtureAssignments(const at::Tensor& x, int64_t num_clusters,
                             GaussianMixtureAssignmentsOptions options = {});

  std::string name() const override { return "gaussian_mixture_assignments"; }
  /// {"mu", {C, P}, real}, {"z", {N, C}, one_hot}.
  std::vector<model::Latent> latents() const override;
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
  /// N point terms ℓ_n (scope: z row n, all of mu), then C prior terms r_c
  /// (scope: mu row c).
  std::vector<model::TermDependencies> log_joint_term_scopes() const override;
  /// [K, N + C] in log_joint_term_scopes() order.
  at::Tensor log_joint_terms(const model::Draws& z, const model::Subsample& data) const override;

  int64_t num_points() const { return x_.size(0); }
  int64_t num_clusters() const { return num_clusters_; }
  int64_t num_dims() const { return x_.size(1); }
  const at::Tensor& x() const { return x_; }
  /// log π [C].
  const at::Tensor& log_weights() const { return log_weights_; }
  const GaussianMixtureAssignmentsOptions& options() const { return options_; }

 private:
  at::Tensor x_;            // [N, P]
  int64_t num_clusters_;
  at::Tensor log_weights_;  // [C]
  GaussianMixtureAssignmentsOptions options_;
};

}  // namespace elbo::models
