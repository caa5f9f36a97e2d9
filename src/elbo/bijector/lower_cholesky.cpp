#include "elbo/bijector/lower_cholesky.hpp"

#include <torch/torch.h>

#include "elbo/bijector/triangular_index.hpp"
#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {
namespace {

detail::TriangularIndex index_for(const char* function, const at::Tensor& y) {
  if (y.dim() < 1) {
    throw DomainError(std::string(function) +
                      ": y is a scalar, but must have an event (last) dimension");
  }
  int64_t dim = detail::triangle_dim(function, y.size(-1), /*strict=*/false);
  return detail::triangular_index(dim, false, y.device());
}

}  // namespace

at::Tensor LowerCholesky::forward(const at::Tensor& y) const {
  auto index = index_for("LowerCholesky::forward", y);
  // exp on the diagonal only; exp never sees the off-diagonal values, so a large
  // off-diagonal y cannot overflow into a NaN gradient.
  auto diag = index.is_diagonal;
  auto values = torch::where(diag, torch::exp(torch::where(diag, y, torch::zeros_like(y))), y);
  return detail::to_matrix(values, index);
}

at::Tensor LowerCholesky::inverse(const at::Tensor& x) const {
  check_cholesky_factor("LowerCholesky::inverse", "x", x);
  auto index = detail::triangular_index(x.size(-1), false, x.device());
  auto values = detail::from_matrix(x, index);
  auto diag = index.is_diagonal;
  return torch::where(diag, torch::log(torch::where(diag, values, torch::ones_like(values))),
                      values);
}

at::Tensor LowerCholesky::log_abs_det_jacobian(const at::Tensor& y) const {
  auto index = index_for("LowerCholesky::log_abs_det_jacobian", y);
  return torch::where(index.is_diagonal, y, torch::zeros_like(y)).sum(-1);
}

std::vector<int64_t> LowerCholesky::unconstrained_shape(
    const std::vector<int64_t>& constrained_shape) const {
  const auto& s = constrained_shape;
  if (s.size() < 2 || s[s.size() - 1] != s[s.size() - 2]) {
    throw DomainError("LowerCholesky: a Cholesky factor has shape [..., D, D], not " +
                      shape_string(s));
  }
  std::vector<int64_t> shape(s.begin(), s.end() - 2);
  shape.push_back(detail::triangle_size(s.back(), false));
  return shape;
}

}  // namespace elbo::bijector
