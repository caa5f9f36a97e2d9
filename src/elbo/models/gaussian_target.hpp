#pragma once
// A multivariate normal N(μ, Σ) as the target density of one real latent
// x [D]: the correlated-Gaussian posterior of VI benchmarks, whose mean,
// covariance and normalising constant are known exactly. Its gradient
// ∇ log p(x) = −Σ⁻¹ (x − μ) is also given in closed form, so methods that
// move points (SVGD) take it without an autograd graph.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::models {

class GaussianTarget : public model::Model {
 public:
  /// mean [D] finite, covariance [D, D] finite, symmetric and positive
  /// definite (DomainError naming the failed check otherwise).
  GaussianTarget(const at::Tensor& mean, const at::Tensor& covariance);

  std::string name() const override { return "gaussian_target"; }
  std::vector<model::Latent> latents() const override;
  /// log N(x | μ, Σ), normalised.
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
  std::optional<model::JointAndGradient> log_joint_and_gradient(
      const model::Draws& z, const model::Subsample& data) const override;

  int64_t dim() const { return mean_.size(0); }
  const at::Tensor& mean() const { return mean_; }
  const at::Tensor& covariance() const { return covariance_; }
  const at::Tensor& precision() const { return precision_; }

 private:
  at::Tensor mean_;        // [D], double
  at::Tensor covariance_;  // [D, D]
  at::Tensor precision_;   // Σ⁻¹, exactly symmetric, contiguous
  at::Tensor minus_precision_;  // −Σ⁻¹: the gradient's factor
  double log_normaliser_;  // −½ (D log 2π + log |Σ|)
};

}  // namespace elbo::models
