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
//       auto eta = z.column("alpha") + z["beta"].matmul(data.rows(X).t());   // [K, N]
//       return Normal(0, 5).log_prob(z["alpha"]) + ... +                      // [K]
//              data.scale() * Normal(eta, z.column("sigma")).log_prob(data.rows(y)).sum(-1);
//     }
//   };
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "elbo/bijector/constraint.hpp"
#include "elbo/model/subsample.hpp"
#include "elbo/model/term_scope.hpp"

namespace elbo::model {

using bijector::Constraint;

/// The draws of every latent by name, in constrained space; each [K, *shape].
/// A scalar latent is [K]: against data of length N write z.column("mu")
/// ([K, 1], one row per draw), never z["mu"] + x, which broadcasts wrongly
/// (or not at all) and is silently wrong when K == N.
class Draws {
 public:
  Draws() = default;
  void set(const std::string& name, at::Tensor value);
  /// Throws DomainError naming the latent when it is unknown.
  const at::Tensor& operator[](const std::string& name) const;
  /// A scalar latent as a column [K, 1], ready to broadcast against [N] data.
  /// Throws DomainError naming the latent unless it is a scalar ([K]).
  at::Tensor column(const std::string& name) const;
  bool contains(const std::string& name) const { return values_.count(name) > 0; }
  int64_t num_draws() const { return num_draws_; }
  const std::map<std::string, at::Tensor>& all() const { return values_; }

 private:
  std::map<std::string, at::Tensor> values_;
  int64_t num_draws_ = 0;
};

/// A bound of a latent that may depend on the latents declared before it:
/// none (the default), a constant, or a function of the earlier latents'
/// constrained draws returning [K] (one bound per draw), [K, *shape] or a
/// 0-dim tensor. Stan's `real<lower=0, upper=1-alpha> beta` is
///   Latent::bounded("beta", {}, 0.0, [](const Draws& z) { return 1 - z["alpha"]; })
class Bound {
 public:
  using Function = std::function<at::Tensor(const Draws& earlier)>;
  Bound() = default;
  Bound(double value) : constant_(value), set_(true) {}  // NOLINT: implicit, reads as maths
  Bound(Function function) : function_(std::move(function)), set_(true) {}  // NOLINT
  template <class F, class = std::enable_if_t<std::is_invocable_r_v<at::Tensor, F, const Draws&> &&
                                              !std::is_convertible_v<F, double>>>
  Bound(F function) : Bound(Function(std::move(function))) {}  // NOLINT
  bool is_set() const { return set_; }
  bool is_constant() const { return set_ && !function_; }
  double constant() const { return constant_; }
  const Function& function() const { return function_; }

 private:
  double constant_ = 0.0;
  Function function_;
  bool set_ = false;
};

/// One latent variable: its name (a CmdStan-style identifier), its shape per
/// draw ({} for a scalar, {D} for a vector, {D, D} for a matrix) and support.
/// A latent whose bounds depend on earlier latents gives them as `lower` /
/// `upper` (constraint then stays real): ModelDensity maps it, in declaration
/// order, by x = L + (U − L)·σ(y) (both), L + exp(y) or U − exp(y), with its
/// log-Jacobian (bijector/tensor_bounds.hpp), L and U evaluated at the
/// earlier latents' draws.
struct Latent {
  std::string name;
  std::vector<int64_t> shape;
  Constraint constraint = Constraint::real();
  Bound lower = {};
  Bound upper = {};

  /// A latent in (lower, upper), either of which may be a constant or a
  /// function of earlier latents (an unset Bound: unbounded on that side).
  static Latent bounded(std::string name, std::vector<int64_t> shape, Bound lower, Bound upper) {
    return {std::move(name), std::move(shape), Constraint::real(), std::move(lower),
            std::move(upper)};
  }
  /// Whether lower or upper is set (the map is then not the constraint's bijector).
  bool has_bounds() const { return lower.is_set() || upper.is_set(); }
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
  /// ModelDensity checks the shape (a ConfigError names what came back) and,
  /// once, that draw 0 evaluated alone gives row 0 (draws must not interact).
  /// A throw for some draws (a covariance that is not positive definite, a
  /// distribution rejecting an infinite scale: c10::Error, DomainError,
  /// NumericalError) drops those draws as log p = −inf; ConfigError and
  /// InputError propagate.
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
