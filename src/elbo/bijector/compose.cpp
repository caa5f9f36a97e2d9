#include "elbo/bijector/compose.hpp"

#include <torch/torch.h>

#include "elbo/core/error.hpp"

namespace elbo::bijector {

Compose::Compose(std::vector<BijectorPtr> parts) : parts_(std::move(parts)) {
  if (parts_.empty()) throw DomainError("Compose: needs at least one bijector");
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (!parts_[i]) {
      throw DomainError("Compose: bijector[" + std::to_string(i) + "] is null");
    }
    if (parts_[i]->event_dim() > 0 && i + 1 != parts_.size()) {
      throw DomainError("Compose: the structured bijector " + parts_[i]->name() +
                        " must be the last one applied");
    }
  }
  event_dim_ = parts_.back()->event_dim();
}

std::string Compose::name() const {
  std::string out = "Compose(";
  for (size_t i = 0; i < parts_.size(); ++i) out += (i ? ", " : "") + parts_[i]->name();
  return out + ")";
}

at::Tensor Compose::forward(const at::Tensor& y) const {
  at::Tensor x = y;
  for (const auto& part : parts_) x = part->forward(x);
  return x;
}

at::Tensor Compose::inverse(const at::Tensor& x) const {
  at::Tensor y = x;
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) y = (*it)->inverse(y);
  return y;
}

at::Tensor Compose::log_abs_det_jacobian(const at::Tensor& y) const {
  at::Tensor current = y;
  at::Tensor total;
  for (const auto& part : parts_) {
    auto term = part->log_abs_det_jacobian(current);
    if (event_dim_ > 0 && part->event_dim() == 0) term = term.sum(-1);
    total = total.defined() ? total + term : term;
    current = part->forward(current);
  }
  return total;
}

std::vector<int64_t> Compose::unconstrained_shape(
    const std::vector<int64_t>& constrained_shape) const {
  auto shape = constrained_shape;
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) {
    shape = (*it)->unconstrained_shape(shape);
  }
  return shape;
}

}  // namespace elbo::bijector
