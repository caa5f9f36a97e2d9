#include "elbo/bijector/stick_breaking.hpp"

#include <torch/torch.h>

#include "elbo/bijector/support_check.hpp"
#include "elbo/core/check.hpp"
#include "elbo/bijector/support_check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {
namespace {

// log(K − k) for k = 1..K−1, i.e. log(n), log(n − 1), ..., log(1) with n = K − 1.
at::Tensor log_offset(int64_t n, const at::Tensor& like) {
  return torch::log(torch::arange(n, 0, -1, like.options()));
}

// log z_k, log(1 − z_k) and log stick_k for k = 1..K (stick_K is x_K).
struct Sticks {
  at::Tensor log_z, log_1mz, log_stick;
};

Sticks sticks(const at::Tensor& y) {
  const int64_t n = y.size(-1);
  auto u = y - log_offset(n, y);
  Sticks s;
  s.log_z = torch::log_sigmoid(u);
  s.log_1mz = torch::log_sigmoid(-u);
  auto leading = y.sizes().vec();
  leading.back() = 1;
  s.log_stick = torch::cat({torch::zeros(leading, y.options()), torch::cumsum(s.log_1mz, -1)},
                           -1);
  return s;
}

}  // namespace

at::Tensor StickBreaking::forward(const at::Tensor& y) const {
  detail::check_has_event_dim("StickBreaking::forward", y, "y");
  auto s = sticks(y);
  auto leading = y.sizes().vec();
  leading.back() = 1;
  // x_k = z_k stick_k for k < K and x_K = 1 · stick_K.
  auto log_z = torch::cat({s.log_z, torch::zeros(leading, y.options())}, -1);
  return torch::exp(log_z + s.log_stick);
}

at::Tensor StickBreaking::inverse(const at::Tensor& x) const {
  detail::check_has_event_dim("StickBreaking::inverse", x, "x");
  check_simplex("StickBreaking::inverse", "x", x,
                x.scalar_type() == torch::kDouble ? 1e-8 : 1e-4);
  detail::check_greater_than("StickBreaking::inverse", "x", x, 0.0);
  const int64_t n = x.size(-1) - 1;
  // Remaining stick after k: Σ_{j>k} x_j, summed from the small end for accuracy.
  auto tail = torch::flip(torch::cumsum(torch::flip(x, {-1}), -1), {-1}).narrow(-1, 1, n);
  return torch::log(x.narrow(-1, 0, n)) - torch::log(tail) + log_offset(n, x);
}

at::Tensor StickBreaking::log_abs_det_jacobian(const at::Tensor& y) const {
  detail::check_has_event_dim("StickBreaking::log_abs_det_jacobian", y, "y");
  const int64_t n = y.size(-1);
  auto s = sticks(y);
  return (s.log_z + s.log_1mz).sum(-1) + s.log_stick.narrow(-1, 0, n).sum(-1);
}

std::vector<int64_t> StickBreaking::unconstrained_shape(
    const std::vector<int64_t>& constrained_shape) const {
  if (constrained_shape.empty()) {
    throw DomainError("StickBreaking: a simplex needs a vector shape [..., K], not a scalar");
  }
  if (constrained_shape.back() < 1) {
    throw DomainError(check_message("StickBreaking", "simplex size K", -1,
                                    static_cast<double>(constrained_shape.back()),
                                    "at least 1"));
  }
  auto shape = constrained_shape;
  shape.back() -= 1;
  return shape;
}

}  // namespace elbo::bijector
