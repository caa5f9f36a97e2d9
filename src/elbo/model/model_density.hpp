#pragma once
// A Model seen as a log density over unconstrained θ ∈ R^D:
//   log p(x, T(θ)) + log |det J_T(θ)|,
// where T applies biject_to(constraint) to each latent's slice of θ.
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
  std::shared_ptr<const Model> model_;
  std::vector<LatentSlot> slots_;
  int64_t dim_ = 0;
  std::vector<std::vector<int64_t>> term_coordinates_;  // empty: undeclared
  int64_t declared_terms_ = 0;                          // the model's own terms
  bool all_real_ = false;  // every latent unconstrained: θ is z, log|J| = 0
};

}  // namespace elbo::model
