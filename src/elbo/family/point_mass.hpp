#pragma once
// Point mass q(θ) = δ(θ − μ). With the ELBO objective its entropy is taken as
// 0, so maximising E_q[log p] = log p(μ) gives the MAP estimate on the
// unconstrained scale (the Jacobian term included, as in Stan's optimizing
// with jacobian=true).
#include "elbo/family/family.hpp"

namespace elbo::family {

class PointMass : public Family {
 public:
  explicit PointMass(int64_t dim);

  std::string family_name() const override { return "pointmass"; }
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  /// A point mass has no density; returns 0 for every θ so that the
  /// score-function term vanishes and log p − log q = log p.
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override { return true; }
  at::Tensor mean() override;
  at::Tensor covariance() override;
  void initialize(const at::Tensor& location) override;
  std::shared_ptr<Family> clone_family() const override;

  at::Tensor loc;  // μ [D]
};

}  // namespace elbo::family
