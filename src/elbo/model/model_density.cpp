#include "elbo/model/model_density.hpp"

#include <torch/torch.h>

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
  auto log_jacobian = torch::zeros({K}, theta.options());
  for (const auto& slot : slots_) {
    auto y = slice_of(theta, slot);
    draws.set(slot.latent.name, slot.bijector->forward(y));
    if (slot.latent.constraint.kind == bijector::Constraint::Kind::real) continue;  // |J| = 1
    auto ldj = slot.bijector->log_abs_det_jacobian(y);
    log_jacobian = log_jacobian + ldj.reshape({K, -1}).sum(1);
  }
  return model_->log_joint(draws, data) + log_jacobian;
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

}  // namespace elbo::model
