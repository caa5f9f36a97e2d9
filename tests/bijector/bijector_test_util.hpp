#pragma once
// Finite-difference helpers shared by the bijector tests.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <string>

namespace elbo::bijector::testing {

inline torch::TensorOptions dbl() { return torch::TensorOptions().dtype(torch::kDouble); }

/// Jacobian [m, n] of f: R^n → R^m at y (1-D), by central differences in double.
inline at::Tensor fd_jacobian(const std::function<at::Tensor(const at::Tensor&)>& f,
                              const at::Tensor& y, double h = 1e-6) {
  const int64_t n = y.numel();
  const int64_t m = f(y).numel();
  auto jac = torch::zeros({m, n}, dbl());
  for (int64_t j = 0; j < n; ++j) {
    auto up = y.clone();
    auto down = y.clone();
    up[j] += h;
    down[j] -= h;
    jac.index_put_({torch::indexing::Slice(), j}, (f(up) - f(down)).reshape({-1}) / (2 * h));
  }
  return jac;
}

/// log|det| of a square matrix.
inline double log_abs_det(const at::Tensor& matrix) {
  return std::get<1>(torch::linalg_slogdet(matrix)).item<double>();
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return a.numel() == 0 ? 0.0 : (a - b).abs().max().item<double>();
}

#define EXPECT_TENSOR_NEAR(a, b, tol)                                                  \
  do {                                                                                 \
    auto _a = (a);                                                                     \
    auto _b = (b);                                                                     \
    ASSERT_EQ(_a.sizes(), _b.sizes());                                                 \
    EXPECT_LE(::elbo::bijector::testing::max_abs_diff(_a, _b), (tol)) << #a " vs " #b; \
  } while (0)

}  // namespace elbo::bijector::testing
