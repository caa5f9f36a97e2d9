// Bounds given as tensors (per-draw bounds): the maps, their inverses and
// log-Jacobians against central differences, gradients reaching the bounds.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/sigmoid.hpp"
#include "elbo/bijector/tensor_bounds.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

TEST(TensorBounds, ConstantBoundsAgreeWithSigmoid) {
  auto y = torch::linspace(-30, 30, 41, dbl());
  auto L = torch::full({}, -2.0, dbl()), U = torch::full({}, 3.0, dbl());
  Sigmoid s(-2, 3);
  EXPECT_TENSOR_NEAR(bounded_forward(y, L, U), s.forward(y), 1e-14);
  EXPECT_TENSOR_NEAR(bounded_log_abs_det_jacobian(y, L, U), s.log_abs_det_jacobian(y), 1e-12);
}

TEST(TensorBounds, LogJacobianMatchesFiniteDifferencesPerElement) {
  auto y = torch::randn({6}, dbl()) * 2;
  auto L = torch::randn({6}, dbl());
  auto U = L + torch::rand({6}, dbl()) * 3 + 0.1;
  struct Case {
    at::Tensor lower, upper;
  };
  for (const auto& c : {Case{L, U}, Case{L, at::Tensor()}, Case{at::Tensor(), U},
                        Case{at::Tensor(), at::Tensor()}}) {
    auto jac = testing::fd_jacobian(
        [&](const at::Tensor& v) { return bounded_forward(v, c.lower, c.upper); }, y);
    // Element-wise: the Jacobian is diagonal and log|J| per element is log of its diagonal.
    EXPECT_TENSOR_NEAR(jac - torch::diag(jac.diagonal()), torch::zeros_like(jac), 1e-8);
    EXPECT_TENSOR_NEAR(bounded_log_abs_det_jacobian(y, c.lower, c.upper),
                       jac.diagonal().abs().log(), 1e-7);
    auto x = bounded_forward(y, c.lower, c.upper);
    if (c.lower.defined()) EXPECT_TRUE((x > c.lower).all().item<bool>());
    if (c.upper.defined()) EXPECT_TRUE((x < c.upper).all().item<bool>());
    EXPECT_TENSOR_NEAR(bounded_inverse(x, c.lower, c.upper), y, 1e-9);
  }
}

TEST(TensorBounds, BroadcastsPerDrawBoundsAndPassesGradients) {
  // Bounds [K, 1] against y [K, 3]: each draw has its own interval.
  auto upper = torch::tensor({{1.0}, {2.0}}, dbl()).requires_grad_(true);
  auto lower = torch::zeros({}, dbl());
  auto y = torch::zeros({2, 3}, dbl());
  auto x = bounded_forward(y, lower, upper);
  EXPECT_TENSOR_NEAR(x, torch::tensor({{0.5, 0.5, 0.5}, {1.0, 1.0, 1.0}}, dbl()), 1e-15);
  x.sum().backward();
  // ∂x/∂U = σ(0) = 1/2 per element, three elements per draw.
  EXPECT_TENSOR_NEAR(upper.grad(), torch::full({2, 1}, 1.5, dbl()), 1e-15);
}

TEST(TensorBounds, InverseRejectsValuesOutsideTheirBounds) {
  auto L = torch::tensor({0.0, 1.0}, dbl()), U = torch::tensor({1.0, 2.0}, dbl());
  EXPECT_THROW(bounded_inverse(torch::tensor({0.5, 0.5}, dbl()), L, U), DomainError);
  EXPECT_THROW(bounded_inverse(torch::tensor({0.5, 0.5}, dbl()), L, at::Tensor()), DomainError);
  EXPECT_THROW(bounded_inverse(torch::tensor({0.5, 2.5}, dbl()), at::Tensor(), U), DomainError);
  EXPECT_NO_THROW(bounded_inverse(torch::tensor({0.5, 1.5}, dbl()), L, U));
}

}  // namespace
}  // namespace elbo::bijector
