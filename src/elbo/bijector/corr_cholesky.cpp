#include "elbo/bijector/corr_cholesky.hpp"

#include <torch/torch.h>

#include <cmath>

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
  int64_t dim = detail::triangle_dim(function, y.size(-1), /*strict=*/true);
  return detail::triangular_index(dim, true, y.device());
}

// log(1 − tanh²(y)) = 2 (log 2 − |y| − log1p(e^{−2|y|})), finite for every y.
at::Tensor log1m_tanh_sq(const at::Tensor& y) {
  auto a = torch::abs(y);
  return 2.0 * (std::log(2.0) - a - torch::log1p(torch::exp(-2.0 * a)));
}

// Exclusive cumulative sum along the last dim: out_j = Σ_{l<j} v_l.
at::Tensor exclusive_cumsum(const at::Tensor& v) {
  const int64_t n = v.size(-1);
  auto shape = v.sizes().vec();
  shape.back() = 1;
  return torch::cat({torch::zeros(shape, v.options()), torch::cumsum(v, -1).narrow(-1, 0, n - 1)},
                    -1);
}

struct Partial {
  at::Tensor log1m_z2;   // [..., n] log(1 − z²)
  at::Tensor log_rest;   // [..., D, D] log(1 − Σ_{l<j} x_il²)
  detail::TriangularIndex index;
};

Partial partial(const char* function, const at::Tensor& y) {
  Partial p;
  p.index = index_for(function, y);
  p.log1m_z2 = log1m_tanh_sq(y);
  p.log_rest = exclusive_cumsum(detail::to_matrix(p.log1m_z2, p.index));
  return p;
}

}  // namespace

at::Tensor CorrCholesky::forward(const at::Tensor& y) const {
  auto p = partial("CorrCholesky::forward", y);
  const int64_t dim = p.index.dim;
  auto z = detail::to_matrix(torch::tanh(y), p.index) + torch::eye(dim, y.options());
  return z * torch::exp(0.5 * p.log_rest);
}

at::Tensor CorrCholesky::inverse(const at::Tensor& x) const {
  const char* function = "CorrCholesky::inverse";
  check_cholesky_factor(function, "x", x);
  const double tol = x.scalar_type() == torch::kDouble ? 1e-8 : 1e-4;
  auto norm2 = (x.detach() * x.detach()).sum(-1).to(torch::kDouble).reshape({-1});
  auto bad = ((norm2 - 1).abs() > tol);
  if (bad.any().item<bool>()) {
    int64_t i = bad.nonzero().index({0, 0}).item<int64_t>();
    throw DomainError(check_message(function, "squared norm of row of x", i,
                                    norm2.index({i}).item<double>(), "1 (a correlation factor)"));
  }
  const int64_t dim = x.size(-1);
  auto index = detail::triangular_index(dim, true, x.device());
  // z_ij = x_ij / sqrt(S_j) with S_j = Σ_{l≥j} x_il² (summed from the small end), and
  // y = atanh z = ½ [log(√S_j + x_ij) − log(√S_j − x_ij)], where the factor that
  // cancels is replaced by S_{j+1} / (the other one), since (√S_j + x)(√S_j − x) = S_{j+1}.
  auto sq = x * x;
  auto rest = torch::flip(torch::cumsum(torch::flip(sq, {-1}), -1), {-1});
  auto shape = x.sizes().vec();
  shape.back() = 1;
  auto rest_next = torch::cat({rest.narrow(-1, 1, dim - 1), torch::zeros(shape, x.options())}, -1);
  auto xv = detail::from_matrix(x, index);
  auto root = torch::sqrt(detail::from_matrix(rest, index));
  auto next = detail::from_matrix(rest_next, index);
  auto plus = root + xv;
  auto minus = root - xv;
  auto negative = xv < 0;
  auto plus_stable = torch::where(negative, next / minus, plus);
  auto minus_stable = torch::where(negative, minus, next / plus);
  return 0.5 * (torch::log(plus_stable) - torch::log(minus_stable));
}

at::Tensor CorrCholesky::log_abs_det_jacobian(const at::Tensor& y) const {
  auto p = partial("CorrCholesky::log_abs_det_jacobian", y);
  // Σ_{i>j} ½ log rest_ij; the j = 0 terms are log 1 = 0.
  return p.log1m_z2.sum(-1) + 0.5 * detail::from_matrix(p.log_rest, p.index).sum(-1);
}

std::vector<int64_t> CorrCholesky::unconstrained_shape(
    const std::vector<int64_t>& constrained_shape) const {
  const auto& s = constrained_shape;
  if (s.size() < 2 || s[s.size() - 1] != s[s.size() - 2] || s.back() < 1) {
    throw DomainError("CorrCholesky: a correlation Cholesky factor has shape [..., D, D] "
                      "with D >= 1, not " + shape_string(s));
  }
  std::vector<int64_t> shape(s.begin(), s.end() - 2);
  shape.push_back(detail::triangle_size(s.back(), true));
  return shape;
}

}  // namespace elbo::bijector
