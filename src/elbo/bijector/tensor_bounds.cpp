#include "elbo/bijector/tensor_bounds.hpp"

#include <torch/torch.h>

#include "elbo/core/error.hpp"

namespace elbo::bijector {

at::Tensor bounded_forward(const at::Tensor& y, const at::Tensor& lower, const at::Tensor& upper) {
  if (lower.defined() && upper.defined()) {
    // From the nearer bound, so values close to either end keep their precision.
    auto width = upper - lower;
    auto from_lower = lower + width * torch::sigmoid(y);
    auto from_upper = upper - width * torch::sigmoid(-y);
    return torch::where(y > 0, from_upper, from_lower);
  }
  if (lower.defined()) return lower + torch::exp(y);
  if (upper.defined()) return upper - torch::exp(y);
  return y.clone();
}

at::Tensor bounded_inverse(const at::Tensor& x, const at::Tensor& lower, const at::Tensor& upper) {
  if (lower.defined() && !(x > lower).all().item<bool>()) {
    throw DomainError("bounded_inverse: a value is not above its lower bound");
  }
  if (upper.defined() && !(x < upper).all().item<bool>()) {
    throw DomainError("bounded_inverse: a value is not below its upper bound");
  }
  if (lower.defined() && upper.defined()) return torch::log(x - lower) - torch::log(upper - x);
  if (lower.defined()) return torch::log(x - lower);
  if (upper.defined()) return torch::log(upper - x);
  return x.clone();
}

at::Tensor bounded_log_abs_det_jacobian(const at::Tensor& y, const at::Tensor& lower,
                                        const at::Tensor& upper) {
  if (lower.defined() && upper.defined()) {
    return torch::log(upper - lower) + torch::log_sigmoid(y) + torch::log_sigmoid(-y);
  }
  if (lower.defined() || upper.defined()) {
    // y itself, broadcast to the bounds' shape as forward() is.
    auto bound = lower.defined() ? lower : upper;
    return y + torch::zeros_like(bound).detach();
  }
  return torch::zeros_like(y);
}

}  // namespace elbo::bijector
