#include "elbo/model/model_density.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <sstream>

#include "elbo/bijector/biject_to.hpp"
#include "elbo/bijector/identity.hpp"
#include "elbo/bijector/tensor_bounds.hpp"
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
  if (slot.latent.has_bounds()) return true;
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
    if (latent.has_bounds() && latent.constraint.kind != bijector::Constraint::Kind::real) {
      throw ConfigError(model_->name() + ": latent '" + latent.name + "' has lower/upper bounds and "
                        "the constraint " + latent.constraint.to_string() +
                        "; give both bounds through lower/upper (Latent::bounded) and leave the "
                        "constraint real");
    }
    LatentSlot slot;
    slot.latent = latent;
    slot.bijector = latent.has_bounds() ? std::make_shared<bijector::Identity>()
                                        : bijector::biject_to(latent.constraint);
    slot.size = slot.bijector->unconstrained_size(latent.shape);
    slot.offset = dim_;
    dim_ += slot.size;
    slots_.push_back(std::move(slot));
  }
  if (dim_ == 0) throw ConfigError(model_->name() + ": the model declares no latent variables");
  term_coordinates_ = declared_term_coordinates(*model_, slots_);
  declared_terms_ = static_cast<int64_t>(model_->log_joint_term_scopes().size());
  all_real_ = std::all_of(slots_.begin(), slots_.end(), [](const LatentSlot& slot) {
    return slot.latent.constraint.kind == bijector::Constraint::Kind::real &&
           !slot.latent.has_bounds();
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

namespace {

// A bound as a tensor broadcasting against the latent's [K, *shape] draws:
// undefined when unset, a 0-dim tensor for a constant, the function's value
// (0-dim, [K] or [K, *shape]; [K] padded with trailing 1s) otherwise.
at::Tensor bound_tensor(const Model& model, const LatentSlot& slot, const Bound& bound,
                        const char* side, const Draws& earlier, const at::Tensor& y) {
  if (!bound.is_set()) return {};
  if (bound.is_constant()) return at::full({}, bound.constant(), y.options());
  auto value = bound.function()(earlier);
  const int64_t K = y.size(0);
  const auto rank = static_cast<int64_t>(slot.latent.shape.size()) + 1;
  if (!value.defined() || (value.dim() > 0 && (value.size(0) != K || value.dim() > rank))) {
    throw ConfigError("model '" + model.name() + "': the " + side + " bound of latent '" +
                      slot.latent.name + "' returned a tensor of shape " +
                      (value.defined() ? shape_string(value.sizes()) : std::string("(undefined)")) +
                      "; expected [K] = [" + std::to_string(K) + "], [K, *shape] = " +
                      shape_string(y.sizes()) + " or a 0-dim tensor");
  }
  if (value.dim() > 0 && value.dim() < rank) {
    auto shape = value.sizes().vec();
    shape.resize(rank, 1);
    value = value.reshape(shape);
  }
  return value;
}

bool droppable(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error&) {
    return true;
  } catch (const DomainError&) {
    return true;
  } catch (const NumericalError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

// Runs `batch`; if it throws a droppable error, runs `row(k)` for each draw k
// and fills the rows that throw with −inf (shape and dtype of the others).
// Every draw throwing rethrows the batch's error; no draw throwing means the
// batch failed only as a batch, i.e. the draws interact (a ConfigError).
template <class Batch, class Row>
at::Tensor drop_throwing_draws(const Model& model, int64_t K, Batch batch, Row row,
                               bool* by_draw = nullptr) {
  std::exception_ptr failure;
  try {
    return batch();
  } catch (const c10::Error&) {
    failure = std::current_exception();
  } catch (const DomainError&) {
    failure = std::current_exception();
  } catch (const NumericalError&) {
    failure = std::current_exception();
  }
  if (K == 1) std::rethrow_exception(failure);
  if (by_draw) *by_draw = true;
  std::vector<at::Tensor> rows(static_cast<size_t>(K));
  at::Tensor good;
  int64_t failed = 0;
  for (int64_t k = 0; k < K; ++k) {
    try {
      rows[k] = row(k);
      good = rows[k];
    } catch (...) {
      auto error = std::current_exception();
      if (!droppable(error)) throw;
      ++failed;
    }
  }
  if (failed == K) std::rethrow_exception(failure);
  if (failed == 0) {
    throw ConfigError("model '" + model.name() + "': log_joint threw on a batch of " +
                      std::to_string(K) +
                      " draws but on none of them alone, so the failure is the batch's, not a "
                      "draw's — do the draws interact (a scalar latent of shape [K] broadcast "
                      "against [N] data? use z.column(name), i.e. z[name].unsqueeze(1))? " +
                      message_of(failure));
  }
  for (auto& r : rows) {
    if (!r.defined()) {
      r = at::full(good.sizes(), -std::numeric_limits<double>::infinity(),
                   good.options().requires_grad(false));
    }
  }
  return at::cat(rows, 0);
}

}  // namespace

Draws ModelDensity::unpack(const at::Tensor& theta, std::vector<at::Tensor>* jacobians) const {
  const int64_t K = theta.size(0);
  Draws draws;
  for (const auto& slot : slots_) {
    auto y = slice_of(theta, slot);
    if (slot.latent.has_bounds()) {
      auto lower = bound_tensor(*model_, slot, slot.latent.lower, "lower", draws, y);
      auto upper = bound_tensor(*model_, slot, slot.latent.upper, "upper", draws, y);
      draws.set(slot.latent.name, bijector::bounded_forward(y, lower, upper));
      if (jacobians) {
        jacobians->push_back(
            bijector::bounded_log_abs_det_jacobian(y, lower, upper).reshape({K, -1}));
      }
      continue;
    }
    draws.set(slot.latent.name, slot.bijector->forward(y));
    if (jacobians && has_jacobian(slot)) {
      jacobians->push_back(slot.bijector->log_abs_det_jacobian(y).reshape({K, -1}));
    }
  }
  return draws;
}

at::Tensor ModelDensity::evaluate(const at::Tensor& theta, const Subsample& data) const {
  const int64_t K = theta.size(0);
  std::vector<at::Tensor> jacobians;
  auto draws = unpack(theta, &jacobians);
  auto log_joint = model_->log_joint(draws, data);
  if (!log_joint.defined() || !log_joint.sizes().equals({K})) {
    throw ConfigError("model '" + model_->name() + "': log_joint returned " +
                      (log_joint.defined() ? "a tensor of shape " + shape_string(log_joint.sizes())
                                           : std::string("an undefined tensor")) +
                      "; expected [K] = [" + std::to_string(K) +
                      "] (one log density per draw; a scalar latent is [K], so a likelihood "
                      "over N data points needs z.column(name) = z[name].unsqueeze(1) and a "
                      "sum over the data dimension)");
  }
  for (const auto& ldj : jacobians) log_joint = log_joint + ldj.sum(1);
  return log_joint;
}

void ModelDensity::check_batching(const at::Tensor& theta, const Subsample& data,
                                  const at::Tensor& batch) const {
  if (theta.size(0) < 2 || batching_checked_->exchange(true)) return;
  at::NoGradGuard no_grad;
  const double batched = batch.detach()[0].item<double>();
  double alone = 0.0;
  try {
    alone = evaluate(theta.detach().narrow(0, 0, 1), data)[0].item<double>();
  } catch (const std::exception&) {
    throw ConfigError("model '" + model_->name() + "': log_joint succeeds on a batch of " +
                      std::to_string(theta.size(0)) +
                      " draws but throws on its first draw alone, so the draws interact (a "
                      "scalar latent of shape [K] broadcast against [N] data? use "
                      "z.column(name), i.e. z[name].unsqueeze(1)): " +
                      message_of(std::current_exception()));
  }
  const bool both_nonfinite = !std::isfinite(batched) && !std::isfinite(alone) &&
                              (batched == alone || (std::isnan(batched) && std::isnan(alone)));
  const double tolerance = (batch.scalar_type() == at::kDouble ? 1e-8 : 1e-4) *
                           (1.0 + std::max(std::abs(batched), std::abs(alone)));
  if (both_nonfinite || std::abs(batched - alone) <= tolerance) return;
  std::ostringstream out;
  out.precision(10);
  out << "model '" << model_->name() << "': log_joint of draw 0 is " << alone
      << " evaluated alone (K = 1) but " << batched << " in a batch of K = " << theta.size(0)
      << " draws, so the draws interact: a scalar latent of shape [K] is being broadcast "
         "against [N] data — use z.column(name), i.e. z[name].unsqueeze(1) (or the model's own "
         "batching is wrong)";
  throw ConfigError(out.str());
}

at::Tensor ModelDensity::log_prob(const at::Tensor& theta, const Subsample& data) const {
  check_dim("ModelDensity::log_prob", "theta", theta, 2);
  if (theta.size(1) != dim_) {
    throw DomainError("ModelDensity::log_prob: theta has " + std::to_string(theta.size(1)) +
                      " columns, but the model has " + std::to_string(dim_) +
                      " unconstrained dimensions");
  }
  const int64_t K = theta.size(0);
  bool by_draw = false;
  auto log_p = drop_throwing_draws(
      *model_, K, [&] { return evaluate(theta, data); },
      [&](int64_t k) { return evaluate(theta.narrow(0, k, 1), data); }, &by_draw);
  if (!by_draw && !batching_checked_->load()) check_batching(theta, data, log_p);
  return log_p;
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
  std::optional<JointAndGradient> result;
  try {
    result = model_->log_joint_and_gradient(draws, data);
  } catch (const ConfigError&) {
    throw;
  } catch (const InputError&) {
    throw;
  } catch (...) {
    if (!droppable(std::current_exception())) throw;
    // Draw by draw through autograd (log_prob drops the draws that throw).
    return LogDensity::log_prob_and_gradient(theta, data);
  }
  if (!result) return LogDensity::log_prob_and_gradient(theta, data);
  if (!result->log_joint.defined() || !result->log_joint.sizes().equals({K})) {
    throw ConfigError("model '" + model_->name() + "': log_joint_and_gradient returned log_joint "
                      "of shape " +
                      (result->log_joint.defined() ? shape_string(result->log_joint.sizes())
                                                   : std::string("(undefined)")) +
                      "; expected [K] = [" + std::to_string(K) + "] (one log density per draw)");
  }
  std::vector<at::Tensor> columns;
  columns.reserve(slots_.size());
  for (const auto& slot : slots_) {
    if (!result->gradient.contains(slot.latent.name)) {
      throw ConfigError("model '" + model_->name() +
                        "': log_joint_and_gradient returned no gradient for '" +
                        slot.latent.name + "'");
    }
    const auto& g = result->gradient[slot.latent.name];
    std::vector<int64_t> shape{K};
    shape.insert(shape.end(), slot.latent.shape.begin(), slot.latent.shape.end());
    if (!g.sizes().equals(shape)) {
      throw ConfigError("model '" + model_->name() +
                        "': log_joint_and_gradient returned a gradient for '" +
                        slot.latent.name + "' of shape " + shape_string(g.sizes()) +
                        "; expected " + shape_string(shape));
    }
    columns.push_back(g.dim() == 2 ? g : g.reshape({K, slot.size}));
  }
  if (!batching_checked_->load()) check_batching(theta, data, result->log_joint);
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
  auto terms_of = [&](const at::Tensor& x) {
    const int64_t K = x.size(0);
    std::vector<at::Tensor> jacobians;
    auto draws = unpack(x, &jacobians);
    auto terms = model_->log_joint_terms(draws, data);
    const int64_t declared = declared_terms_;
    if (!terms.defined() || terms.dim() != 2 || terms.size(0) != K || terms.size(1) != declared) {
      throw ConfigError("model '" + model_->name() + "': log_joint_terms returned shape " +
                        (terms.defined() ? shape_string(terms.sizes()) : std::string("(undefined)")) +
                        "; expected [K, T] = [" + std::to_string(K) + ", " +
                        std::to_string(declared) + "] (draws, declared terms)");
    }
    std::vector<at::Tensor> columns{terms};
    columns.insert(columns.end(), jacobians.begin(), jacobians.end());
    return torch::cat(columns, 1);
  };
  return drop_throwing_draws(
      *model_, theta.size(0), [&] { return terms_of(theta); },
      [&](int64_t k) { return terms_of(theta.narrow(0, k, 1)); });
}

Draws ModelDensity::constrain(const at::Tensor& theta) const {
  check_dim("ModelDensity::constrain", "theta", theta, 2);
  return unpack(theta, nullptr);
}

at::Tensor ModelDensity::log_abs_det_jacobian(const at::Tensor& theta) const {
  std::vector<at::Tensor> jacobians;
  unpack(theta, &jacobians);
  auto total = at::zeros({theta.size(0)}, theta.options());
  for (const auto& ldj : jacobians) total = total + ldj.sum(1);
  return total;
}

at::Tensor ModelDensity::unconstrain(const Draws& draws) const {
  std::vector<at::Tensor> columns;
  for (const auto& slot : slots_) {
    const auto& x = draws[slot.latent.name];
    at::Tensor y;
    if (slot.latent.has_bounds()) {
      // The bounds read only earlier latents, which `draws` holds as well.
      auto lower = bound_tensor(*model_, slot, slot.latent.lower, "lower", draws, x);
      auto upper = bound_tensor(*model_, slot, slot.latent.upper, "upper", draws, x);
      y = bijector::bounded_inverse(x, lower, upper);
    } else {
      y = slot.bijector->inverse(x);
    }
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
