// The tanh activation against torch::tanh and its autograd (the reference): values and
// gradients agree to float rounding (vector lanes and scalar tail); double uses torch's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/amortized/tanh_activation.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

TEST(TanhActivation, EqualsTorchTanh) {
  for (auto type : {at::kFloat, at::kDouble}) {
    auto gen = make_generator(3);
    const auto x0 = 4.0 * at::randn({13, 21}, gen, torch::TensorOptions().dtype(type));  // 273: lanes + tail
    const auto w = at::randn({13, 21}, gen, torch::TensorOptions().dtype(type));
    auto x1 = x0.clone().requires_grad_(true), x2 = x0.clone().requires_grad_(true);
    const auto y1 = tanh_activation(x1), y2 = torch::tanh(x2);
    const double tol = type == at::kFloat ? 1e-6 : 1e-15;
    EXPECT_TRUE(torch::allclose(y1, y2, tol, tol)) << (y1 - y2).abs().max().item<double>();
    (y1 * w).sum().backward();
    (y2 * w).sum().backward();
    EXPECT_TRUE(torch::allclose(x1.grad(), x2.grad(), 4 * tol, 4 * tol));
  }
  // Closed form: tanh(atanh(0.5)) = 0.5, derivative 0.75.
  auto x = torch::full({9}, std::atanh(0.5), at::kFloat).requires_grad_(true);
  auto y = tanh_activation(x);
  y.sum().backward();
  EXPECT_TRUE(torch::allclose(y, torch::full({9}, 0.5, at::kFloat), 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(x.grad(), torch::full({9}, 0.75, at::kFloat), 1e-6, 1e-7));
}

}  // namespace
}  // namespace elbo::amortized
