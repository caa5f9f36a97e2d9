#include "elbo/model/model_density.hpp"

#include <torch/torch.h>

#include <algorithm>

#include "elbo/bijector/biject_to.hpp"
#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::model {
namespace {

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

}  // namespace

std::vector<std::string> cmdstan_names(const std::string& base, const std::vector<int64_t>& shape) {
  if (shape.empty()) return {base};
  std::vector<std::string> out;
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < numel(shape); ++flat) {
    std::string name = base;
    for (auto i : index) name += "." + std::to_string(i + 1);
    out.push_back(name);
    for (size_t d = 0; d < shape.size(); ++d) {  // first index fastest
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

at::Tensor flatten_column_major(const at::Tensor& value) {
  // Reverse the per-draw dimensions so the first index varies fastest.
  std::vector<int64_t> order{0};
  for (int64_t d = value.dim() - 1; d >= 1; --d) order.push_back(d);
  return value.permute(order).reshape({value.size(0), -1});
}

namespace {

bool has_jacobian(const LatentSlot& slot) {
  return slot.latent.constraint.kind != bijector::Constraint::Kind::real &&
         !slot.latent.constraint.is_discrete();
}

// Number of log-Jacobian values per draw of a slot: one per element for an
// element-wise bijector, one per event (leading index) for a structured one.
int64_t jacobian_events(const LatentSlot& slot) {
  if (slot.bijector->event_dim() == 0) return slot.size;
  const auto shape = slot.bijector->unconstrained_shape(slot.latent.shape);
  return shape.empty() || shape.back() == 0 ? 1 : slot.size / shape.back();
}

// The θ columns of each declared term, then of each log-Jacobian event.
std::vector<std::vector<int64_t>> declared_term_coordinates(const Model& model,
                                                            const std::vector<LatentSlot>& slots) {
  const auto scopes = model.log_joint_term_scopes();
  if (scopes.empty()) return {};
  std::vector<std::vector<int64_t>> out;
  for (size_t t = 0; t < scopes.size(); ++t) {
    std::vector<int64_t> columns;
    for (const auto& scope : scopes[t]) {
      const LatentSlot* slot = nullptr;
      for (const auto& s : slots) {
        if (s.latent.name == scope.latent) slot = &s;
      }
      if (!slot) {
        throw ConfigError(model.name() + ": log-joint term " + std::to_string(t) +
                          " names unknown latent '" + scope.latent + "'");
      }
      if (scope.elements.empty()) {
        for (int64_t i = 0; i < slot->size; ++i) columns.push_back(slot->offset + i);
      }
      for (auto e : scope.elements) {
        if (e < 0 || e >= slot->size) {
          throw ConfigError(model.name() + ": log-joint term " + std::to_string(t) +
                            " names element " + std::to_string(e) + " of latent '" +
                            scope.latent + "', which has " + std::to_string(slot->size) +
                            " unconstrained values");
        }
        columns.push_back(slot->offset + e);
      }
    }
    std::sort(columns.begin(), columns.end());
    columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
    out.push_back(std::move(columns));
  }
  for (const auto& slot : slots) {
    if (!has_jacobian(slot)) continue;
    const int64_t events = jacobian_events(slot), width = slot.size / events;
    for (int64_t e = 0; e < events; ++e) {
      std::vector<int64_t> columns;
      for (int64_t i = 0; i < width; ++i) columns.push_back(slot.offset + e * width + i);
      out.push_back(std::move(columns));
    }
  }
  return out;
}

}  // namespace

ModelDensity::ModelDensity(std::shared_ptr<const Model> model) : model_(std::move(model)) {
  if (!model_) throw ConfigError("ModelDensity: model is null");
  for (const auto& latent : model_->latents()) {
    for (auto s : latent.shape) {
      if (s < 1) {
        throw ConfigError(model_->name() + ": latent '" + latent.name + "' has shape " +
                          shape_string(latent.shape) + "; every dimension must be >= 1");
      }
    }
    for (const auto& slot : slots_) {
      if (slot.latent.name == latent.name) {
        throw ConfigError(model_->name() + ": latent '" + latent.name + "' declared twice");
      }
    }
    LatentSlot slot;
    slot.latent = latent;
    slot.bijector = bijector::biject_to(latent.constraint);
    slot.size = slot.bijector->unconstrained_size(latent.shape);
    slot.offset = dim_;
    dim_ += slot.size;
    slots_.push_back(std::move(slot));
  }
  if (dim_ == 0) throw ConfigError(model_->name() + ": the model declares no latent variables");
  term_coordinates_ = declared_term_coordinates(*model_, slots_);
  declared_terms_ = static_cast<int64_t>(model_->log_joint_term_scopes().size());
  all_real_ = std::all_of(slots_.begin(), slots_.end(), [](const LatentSlot& slot) {
    return slot.latent.constraint.kind == bijector::Constraint::Kind::real;
  });
}

namespace {
// θ's columns for one latent, shaped as the bijector's input.
at::Tensor slice_of(const at::Tensor& theta, const LatentSlot& slot) {
  auto y = theta.narrow(1, slot.offset, slot.size);
  if (slot.bijector->event_dim() == 0) {
    std::vector<int64_t> shape{theta.size(0)};
    shape.insert(shape.end(), slot.latent.shape.begin(), slot.latent.shape.end());
    return y.reshape(shape);
  }
  return y;
}
}  // namespace

at::Tensor ModelDensity::log_prob(const at::Tensor& theta, const Subsample& data) const {
  check_dim("ModelDensity::log_prob", "theta", theta, 2);
  if (theta.size(1) != dim_) {
    throw DomainError("ModelDensity::log_prob: theta has " + std::to_string(theta.size(1)) +
                      " columns, but the model has " + std::to_string(dim_) +
                      " unconstrained dimensions");
  }
  const int64_t K = theta.size(0);
  Draws draws;
  at::Tensor log_jacobian;  // undefined while every |J| so far is 1
  for (const auto& slot : slots_) {
    auto y = slice_of(theta, slot);
    draws.set(slot.latent.name, slot.bijector->forward(y));
    if (slot.latent.constraint.kind == bijector::Constraint::Kind::real ||
        slot.latent.constraint.is_discrete()) {
      continue;  // |J| = 1
    }
    auto ldj = slot.bijector->log_abs_det_jacobian(y).reshape({K, -1}).sum(1);
    log_jacobian = log_jacobian.defined() ? log_jacobian + ldj : ldj;
  }
  auto log_joint = model_->log_joint(draws, data);
  return log_jacobian.defined() ? log_joint + log_jacobian : log_joint;
}

LogProbAndGradient ModelDensity::log_prob_and_gradient(const at::Tensor& theta,
                                                       const Subsample& data) const {
  static const char* kWhere = "ModelDensity::log_prob_and_gradient";
  check_dim(kWhere, "theta", theta, 2);
  if (theta.size(1) != dim_) {
    throw DomainError(std::string(kWhere) + ": theta has " + std::to_string(theta.size(1)) +
                      " columns, but the model has " + std::to_string(dim_) +
                      " unconstrained dimensions");
  }
  // Only when θ is z itself: through a bijector the chain rule would also need
  // ∇ log|J|, which autograd supplies.
  if (!all_real_) return LogDensity::log_prob_and_gradient(theta, data);
  const int64_t K = theta.size(0);
  Draws draws;
  {
    at::NoGradGuard no_grad;
    const auto x = theta.requires_grad() ? theta.detach() : theta;
    if (slots_.size() == 1 && slots_[0].latent.shape.size() == 1) {
      draws.set(slots_[0].latent.name, x);  // one vector latent: θ is z as it stands
    } else {
      for (const auto& slot : slots_) draws.set(slot.latent.name, slice_of(x, slot));
    }
  }
  auto result = model_->log_joint_and_gradient(draws, data);
  if (!result) return LogDensity::log_prob_and_gradient(theta, data);
  if (!result->log_joint.sizes().equals({K})) {
    throw DomainError(model_->name() + ": log_joint_and_gradient returned log_joint of shape " +
                      shape_string(result->log_joint.sizes()) + ", but must be [" +
                      std::to_string(K) + "]");
  }
  std::vector<at::Tensor> columns;
  columns.reserve(slots_.size());
  for (const auto& slot : slots_) {
    if (!result->gradient.contains(slot.latent.name)) {
      throw DomainError(model_->name() + ": log_joint_and_gradient returned no gradient for '" +
                        slot.latent.name + "'");
    }
    const auto& g = result->gradient[slot.latent.name];
    std::vector<int64_t> shape{K};
    shape.insert(shape.end(), slot.latent.shape.begin(), slot.latent.shape.end());
    if (!g.sizes().equals(shape)) {
      throw DomainError(model_->name() + ": log_joint_and_gradient returned a gradient for '" +
                        slot.latent.name + "' of shape " + shape_string(g.sizes()) +
                        ", but must be " + shape_string(shape));
    }
    columns.push_back(g.dim() == 2 ? g : g.reshape({K, slot.size}));
  }
  auto gradient = columns.size() == 1 ? columns[0].contiguous() : torch::cat(columns, 1);
  return {result->log_joint, gradient};
}

at::Tensor ModelDensity::log_prob_terms(const at::Tensor& theta, const Subsample& data) const {
  if (term_coordinates_.empty()) return log_prob(theta, data).unsqueeze(1);
  check_dim("ModelDensity::log_prob_terms", "theta", theta, 2);
  if (theta.size(1) != dim_) {
    throw DomainError("ModelDensity::log_prob_terms: theta has " + std::to_string(theta.size(1)) +
                      " columns, but the model has " + std::to_string(dim_) +
                      " unconstrained dimensions");
  }
  const int64_t K = theta.size(0);
  Draws draws;
  std::vector<at::Tensor> columns;
  for (const auto& slot : slots_) {
    auto y = slice_of(theta, slot);
    draws.set(slot.latent.name, slot.bijector->forward(y));
  }
  auto terms = model_->log_joint_terms(draws, data);
  const int64_t declared = declared_terms_;
  if (terms.dim() != 2 || terms.size(0) != K || terms.size(1) != declared) {
    throw DomainError(model_->name() + ": log_joint_terms returned shape " +
                      shape_string(terms.sizes()) + ", but must be [" + std::to_string(K) +
                      ", " + std::to_string(declared) + "] (draws, declared terms)");
  }
  columns.push_back(terms);
  for (const auto& slot : slots_) {
    if (!has_jacobian(slot)) continue;
    columns.push_back(slot.bijector->log_abs_det_jacobian(slice_of(theta, slot)).reshape({K, -1}));
  }
  return torch::cat(columns, 1);
}

Draws ModelDensity::constrain(const at::Tensor& theta) const {
  check_dim("ModelDensity::constrain", "theta", theta, 2);
  Draws draws;
  for (const auto& slot : slots_) {
    draws.set(slot.latent.name, slot.bijector->forward(slice_of(theta, slot)));
  }
  return draws;
}

at::Tensor ModelDensity::unconstrain(const Draws& draws) const {
  std::vector<at::Tensor> columns;
  for (const auto& slot : slots_) {
    auto y = slot.bijector->inverse(draws[slot.latent.name]);
    columns.push_back(y.reshape({y.size(0), slot.size}));
  }
  return torch::cat(columns, 1);
}

at::Tensor ModelDensity::constrained_flat(const at::Tensor& theta) const {
  auto draws = constrain(theta);
  std::vector<at::Tensor> columns;
  for (const auto& slot : slots_) columns.push_back(flatten_column_major(draws[slot.latent.name]));
  return torch::cat(columns, 1);
}

std::vector<std::string> ModelDensity::constrained_names() const {
  std::vector<std::string> names;
  for (const auto& slot : slots_) {
    auto latent_names = cmdstan_names(slot.latent.name, slot.latent.shape);
    names.insert(names.end(), latent_names.begin(), latent_names.end());
  }
  return names;
}

std::vector<std::string> ModelDensity::output_names() const {
  auto names = constrained_names();
  // Derived quantities' shapes come from one evaluation at θ = 0.
  torch::NoGradGuard no_grad;
  auto zero = torch::zeros({1, dim_}, torch::kDouble);
  for (const auto& [name, value] : model_->derived(constrain(zero))) {
    auto of = cmdstan_names(name, std::vector<int64_t>(value.sizes().begin() + 1, value.sizes().end()));
    names.insert(names.end(), of.begin(), of.end());
  }
  return names;
}

at::Tensor ModelDensity::output_values(const at::Tensor& theta, uint64_t seed) const {
  (void)seed;  // the model API's derived quantities are deterministic
  std::vector<at::Tensor> columns{constrained_flat(theta)};
  for (const auto& [name, value] : model_->derived(constrain(theta))) {
    columns.push_back(flatten_column_major(value));
  }
  return torch::cat(columns, 1);
}

}  // namespace elbo::model
