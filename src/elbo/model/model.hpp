#pragma once
// A probabilistic model, written as the maths reads: it declares its latent
// variables (name, shape, support) and returns log p(x, z) for a batch of K
// draws of z at once. It sees z in its own (constrained) space; the packing
// into an unconstrained vector θ ∈ R^D, the bijectors and their Jacobians are
// handled by ModelDensity (model/model_density.hpp).
//
//   class Regression : public elbo::model::Model {
//     std::vector<Latent> latents() const override {
//       return {{"alpha", {}, Constraint::real()}, {"beta", {D}, Constraint::real()},
//               {"sigma", {}, Constraint::positive()}};
//     }
//     at::Tensor log_joint(const Draws& z, const Subsample& data) const override {
//       auto eta = z["alpha"].unsqueeze(1) + z["beta"].matmul(data.rows(X).t());
//       return Normal(0, 5).log_prob(z["alpha"]) + ... +
//              data.scale() * Normal(eta, z["sigma"].unsqueeze(1)).log_prob(data.rows(y)).sum(-1);
//     }
//   };
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "elbo/bijector/constraint.hpp"
#include "elbo/model/subsample.hpp"
#include "elbo/model/term_scope.hpp"

namespace elbo::model {

using bijector::Constraint;

/// One latent variable: its name (a CmdStan-style identifier), its shape per
/// draw ({} for a scalar, {D} for a vector, {D, D} for a matrix) and support.
struct Latent {
  std::string name;
  std::vector<int64_t> shape;
  Constraint constraint = Constraint::real();
};

/// The draws of every latent by name, in constrained space; each [K, *shape].
class Draws {
 public:
  Draws() = default;
  void set(const std::string& name, at::Tensor value);
  /// Throws DomainError naming the latent when it is unknown.
  const at::Tensor& operator[](const std::string& name) const;
  bool contains(const std::string& name) const { return values_.count(name) > 0; }
  int64_t num_draws() const { return num_draws_; }
  const std::map<std::string, at::Tensor>& all() const { return values_; }

 private:
  std::map<std::string, at::Tensor> values_;
  int64_t num_draws_ = 0;
};

/// log p(x, z) for K draws and its gradient with respect to each latent.
struct JointAndGradient {
  at::Tensor log_joint;  // [K]
  Draws gradient;        // ∂ log p / ∂z per latent, each [K, *shape]
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;

  /// The latent variables, in the order they are packed into θ.
  virtual std::vector<Latent> latents() const = 0;

  /// Number M of exchangeable data points a minibatch may subsample; 0 when
  /// the model does not support subsampling (every evaluation sees all data).
  virtual int64_t num_data() const { return 0; }

  /// log p(x, z) up to a constant for K draws: returns shape [K]. The
  /// likelihood of the data points in `data` is scaled by data.scale().
  virtual at::Tensor log_joint(const Draws& z, const Subsample& data) const = 0;

  /// Optional closed-form gradient, as Stan's hand-written partials are to its
  /// autodiff: log_joint(z, data) and ∂/∂z of it for every latent, detached,
  /// computed without building an autograd graph. nullopt (the default): the
  /// model has none, and callers differentiate log_joint. ModelDensity uses it
  /// when every latent is real-valued (no bijector to chain through).
  virtual std::optional<JointAndGradient> log_joint_and_gradient(const Draws& z,
                                                                 const Subsample& data) const {
    (void)z;
    (void)data;
    return std::nullopt;
  }

  /// Optional factorisation log p(x, z) = Σ_t ℓ_t(x, z) for Rao–Blackwellised
  /// score-function estimators: the dependencies of each term t (T entries).
  /// Empty (the default): undeclared, estimators use the whole log joint.
  virtual std::vector<TermDependencies> log_joint_term_scopes() const { return {}; }
  /// The terms ℓ_t for K draws, [K, T] in log_joint_term_scopes() order; each
  /// row sums to log_joint(z, data). T is fixed: on a minibatch, the terms of
  /// unselected data points are 0 and the selected ones carry data.scale().
  virtual at::Tensor log_joint_terms(const Draws& z, const Subsample& data) const {
    return log_joint(z, data).unsqueeze(1);
  }

  /// Quantities derived from the latents that are reported with the draws
  /// (Stan's generated quantities), e.g. theta = mu + tau * theta_tilde in a
  /// non-centred model. Each value is [K, *shape]. None by default.
  virtual std::vector<std::pair<std::string, at::Tensor>> derived(const Draws& z) const {
    (void)z;
    return {};
  }
};

}  // namespace elbo::model
