#pragma once
// A model with its closed-form gradient hidden: the same latents and log joint,
// so ModelDensity::log_prob_and_gradient differentiates log_joint by autograd.
// For checking a hand-written Model::log_joint_and_gradient against autograd,
// and for timing the two paths side by side.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::model {

class AutogradOnly : public Model {
 public:
  explicit AutogradOnly(std::shared_ptr<const Model> inner);
  std::string name() const override { return inner_->name(); }
  std::vector<Latent> latents() const override { return inner_->latents(); }
  int64_t num_data() const override { return inner_->num_data(); }
  at::Tensor log_joint(const Draws& z, const Subsample& data) const override {
    return inner_->log_joint(z, data);
  }
  std::vector<TermDependencies> log_joint_term_scopes() const override {
    return inner_->log_joint_term_scopes();
  }
  at::Tensor log_joint_terms(const Draws& z, const Subsample& data) const override {
    return inner_->log_joint_terms(z, data);
  }
  std::vector<std::pair<std::string, at::Tensor>> derived(const Draws& z) const override {
    return inner_->derived(z);
  }

 private:
  std::shared_ptr<const Model> inner_;
};

}  // namespace elbo::model
