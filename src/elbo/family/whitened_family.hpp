#pragma once
// A family fitted in whitened coordinates u, reported on the model's scale:
//
//   θ = m + L u,  u ~ q_u(u; λ),   log q(θ) = log q_u(L⁻¹(θ − m)) − log|det L|.
//
// ADVI fits q_u against model::WhitenedDensity (p seen in u), where step sizes
// mean the same on every posterior; this wrapper is what it returns, so draws,
// log q for PSIS, means and covariances are on θ's scale, and nothing
// downstream needs to know. λ is the inner family's (its parameters are this
// module's); m and L are fixed buffers.
#include "elbo/family/family.hpp"

namespace elbo::family {

class WhitenedFamily : public Family {
 public:
  /// `shift` m [D]; `scale_tril` L [D, D], lower triangular, positive diagonal.
  WhitenedFamily(FamilyPtr inner, at::Tensor shift, at::Tensor scale_tril);

  /// The inner family's name: whitening changes coordinates, not the family.
  std::string family_name() const override { return inner_->family_name(); }
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  WeightedDraws rsample_weighted(int64_t num_draws, at::Generator gen) override;
  bool prefers_weighted_draws() const override { return inner_->prefers_weighted_draws(); }
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override { return inner_->has_entropy(); }
  at::Tensor mean() override;
  at::Tensor covariance() override;
  void initialize(const at::Tensor& location) override;
  void initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) override;
  double default_step_size() const override { return inner_->default_step_size(); }
  bool takes_gaussian_start() const override { return inner_->takes_gaussian_start(); }
  bool full_whitening() const override { return inner_->full_whitening(); }
  std::vector<at::Tensor> canonical_parameters(const std::vector<at::Tensor>& reference = {}) override;
  std::shared_ptr<Family> clone_family() const override;

  Family& inner() { return *inner_; }
  FamilyPtr inner_ptr() const { return inner_; }
  const at::Tensor& shift() const { return shift_; }
  const at::Tensor& scale_tril() const { return scale_tril_; }

  /// θ = m + L u and u = L⁻¹(θ − m), for [K, D].
  at::Tensor to_theta(const at::Tensor& u) const;
  at::Tensor to_u(const at::Tensor& theta) const;

 private:
  FamilyPtr inner_;
  at::Tensor shift_;
  at::Tensor scale_tril_;
  double log_abs_det_;
};

}  // namespace elbo::family
