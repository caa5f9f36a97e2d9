#pragma once
// A Model seen as a log density over unconstrained θ ∈ R^D:
//   log p(x, T(θ)) + log |det J_T(θ)|,
// where T applies biject_to(constraint) to each latent's slice of θ (or, for
// a latent with lower/upper bounds, the bounded map with those bounds
// evaluated at the earlier latents' draws: latents are unpacked in order).
//
// Checks on the model: log_joint must return [K] (a ConfigError says what
// came back), and on the first batch of K ≥ 2 draws, draw 0 evaluated alone
// must give row 0 (otherwise the draws interact: a scalar latent [K]
// broadcast against [N] data). A batch whose evaluation throws c10::Error,
// DomainError or NumericalError is evaluated draw by draw and the draws that
// throw get log p = −inf (dropped and counted by the objectives); if every
// draw throws, the first error propagates. ConfigError and InputError always
// propagate.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "elbo/bijector/bijector.hpp"
#include "elbo/model/constrained_density.hpp"
#include "elbo/model/model.hpp"

namespace elbo::model {

/// Where each latent lives in θ.
struct LatentSlot {
  Latent latent;
  int64_t offset = 0;             // first column of θ
  int64_t size = 0;               // unconstrained values
  /// The constraint's bijector; Identity for a latent with lower/upper
  /// bounds (latent.has_bounds()), which ModelDensity maps itself.
  bijector::BijectorPtr bijector;
};

/// CmdStan's names for the scalars of a value of `shape`: "x" for a scalar,
/// "x.1", "x.2", ... for a vector, "x.1.1", "x.2.1", ... (column-major) beyond.
std::vector<std::string> cmdstan_names(const std::string& base, const std::vector<int64_t>& shape);

/// [K, *shape] → [K, numel(shape)] in CmdStan's column-major order.
at::Tensor flatten_column_major(const at::Tensor& value);

class ModelDensity : public ConstrainedDensity {
 public:
  explicit ModelDensity(std::shared_ptr<const Model> model);

  int64_t dim() const override { return dim_; }
  int64_t num_data() const override { return model_->num_data(); }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const Subsample& data) const override;
  /// The model's closed-form gradient (Model::log_joint_and_gradient) when
  /// every latent is real-valued and the model has one; autograd otherwise.
  LogProbAndGradient log_prob_and_gradient(const at::Tensor& theta,
                                           const Subsample& data) const override;
  /// The model's declared terms (Model::log_joint_terms) followed by one
  /// log-Jacobian term per constrained event (per element for element-wise
  /// bijectors); the log p of an undeclared model as one column.
  at::Tensor log_prob_terms(const at::Tensor& theta, const Subsample& data) const override;
  /// The θ columns of each term: a declared scope maps to its latent's slot;
  /// empty when the model declares no terms.
  std::vector<std::vector<int64_t>> term_coordinates() const override { return term_coordinates_; }

  /// Unpacks θ [K, D] and maps each latent to its constrained space.
  Draws constrain(const at::Tensor& theta) const;
  /// The inverse: constrained draws (each [K, *shape]) to θ [K, D].
  at::Tensor unconstrain(const Draws& draws) const;
  /// log|det J_T(θ)| [K]: a density q(θ) is q(θ) / |det J_T(θ)| on the
  /// constrained scale (elbo.Fit.log_prob of constrained values).
  at::Tensor log_abs_det_jacobian(const at::Tensor& theta) const;

  /// The constrained values flattened to [K, P], one column per scalar, in the
  /// order of constrained_names() (matrices column-major, as CmdStan writes them).
  at::Tensor constrained_flat(const at::Tensor& theta) const;
  /// CmdStan-style names: "alpha", "beta.1", ..., "L.2.1" (1-based indices).
  std::vector<std::string> constrained_names() const;

  /// ConstrainedDensity: the constrained latents, then the model's derived quantities.
  std::string model_name() const override { return model_->name(); }
  std::vector<std::string> output_names() const override;
  at::Tensor output_values(const at::Tensor& theta, uint64_t seed) const override;

  const std::vector<LatentSlot>& slots() const { return slots_; }
  const Model& model() const { return *model_; }

 private:
  // θ → constrained draws in declaration order; with `jacobians`, each
  // constrained slot's log|J| as [K, events] (slots without one are skipped).
  Draws unpack(const at::Tensor& theta, std::vector<at::Tensor>* jacobians) const;
  // One batch: log_joint (shape-checked) + log|J|, no dropping.
  at::Tensor evaluate(const at::Tensor& theta, const Subsample& data) const;
  // The first batch of K ≥ 2: draw 0 alone gives row 0 of `batch`.
  void check_batching(const at::Tensor& theta, const Subsample& data,
                      const at::Tensor& batch) const;

  std::shared_ptr<const Model> model_;
  std::vector<LatentSlot> slots_;
  int64_t dim_ = 0;
  std::vector<std::vector<int64_t>> term_coordinates_;  // empty: undeclared
  int64_t declared_terms_ = 0;                          // the model's own terms
  bool all_real_ = false;  // every latent unconstrained: θ is z, log|J| = 0
  // Set once the batching check has run (shared, so copies agree).
  std::shared_ptr<std::atomic<bool>> batching_checked_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace elbo::model
