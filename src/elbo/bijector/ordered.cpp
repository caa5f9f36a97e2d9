#include "elbo/bijector/ordered.hpp"

#include <torch/torch.h>

#include <sstream>

#include "elbo/bijector/support_check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {

at::Tensor Ordered::forward(const at::Tensor& y) const {
  detail::check_has_event_dim(positive_ ? "PositiveOrdered::forward" : "Ordered::forward", y, "y");
  const int64_t n = y.size(-1);
  if (n == 0) return y.clone();
  // x = x_1 + cumsum of the positive increments exp(y_2..N), with x_1 first.
  auto first = y.narrow(-1, 0, 1);
  if (positive_) first = torch::exp(first);
  if (n == 1) return first;
  auto increments = torch::exp(y.narrow(-1, 1, n - 1));
  return torch::cat({first, first + torch::cumsum(increments, -1)}, -1);
}

at::Tensor Ordered::inverse(const at::Tensor& x) const {
  const char* where = positive_ ? "PositiveOrdered::inverse" : "Ordered::inverse";
  detail::check_has_event_dim(where, x, "x");
  const int64_t n = x.size(-1);
  if (n == 0) return x.clone();
  auto first = x.narrow(-1, 0, 1);
  if (positive_ && !(first > 0).all().item<bool>()) {
    throw DomainError(std::string(where) + ": x's first element must be positive");
  }
  if (positive_) first = torch::log(first);
  if (n == 1) return first;
  auto gaps = x.narrow(-1, 1, n - 1) - x.narrow(-1, 0, n - 1);
  if (!(gaps > 0).all().item<bool>()) {
    std::ostringstream out;
    out << where << ": x must be strictly increasing along its last dimension";
    throw DomainError(out.str());
  }
  return torch::cat({first, torch::log(gaps)}, -1);
}

at::Tensor Ordered::log_abs_det_jacobian(const at::Tensor& y) const {
  detail::check_has_event_dim(positive_ ? "PositiveOrdered::log_abs_det_jacobian" : "Ordered::log_abs_det_jacobian",
              y, "y");
  const int64_t n = y.size(-1);
  if (positive_) return y.sum(-1);
  if (n <= 1) return torch::zeros_like(y).sum(-1);
  return y.narrow(-1, 1, n - 1).sum(-1);
}

std::vector<int64_t> Ordered::unconstrained_shape(
    const std::vector<int64_t>& constrained_shape) const {
  if (constrained_shape.empty()) {
    throw DomainError(name() + ": an ordered latent needs a vector shape [..., N], not a scalar");
  }
  return constrained_shape;
}

}  // namespace elbo::bijector
