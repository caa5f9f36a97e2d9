// The fused Adam step against torch::optim::Adam itself (the reference implementation of
// the same update): parameters, moments and step counts agree over several steps, in
// double and in float, and the state it leaves is torch's, so either can continue it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "elbo/amortized/fused_adam.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

// Odd sizes exercise the vector loop's scalar tail.
std::vector<at::Tensor> make_params(at::ScalarType type) {
  auto gen = make_generator(4);
  std::vector<at::Tensor> ps;
  for (auto shape : std::vector<std::vector<int64_t>>{{7, 13}, {13}, {3, 5, 4}, {1}}) {
    ps.push_back(at::randn(shape, gen, torch::TensorOptions().dtype(type)).requires_grad_(true));
  }
  return ps;
}

std::vector<at::Tensor> clone_params(const std::vector<at::Tensor>& ps) {
  std::vector<at::Tensor> out;
  for (const auto& p : ps) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

// Gradients of a fixed non-quadratic loss, so every step sees new, unequal gradients.
void set_grads(std::vector<at::Tensor>& ps) {
  for (auto& p : ps) p.mutable_grad() = (torch::sin(3.0 * p.detach()) + 0.1 * p.detach().square()).contiguous();
}

void expect_same_run(at::ScalarType type, torch::optim::AdamOptions options, double rtol, double atol) {
  auto a = make_params(type);
  auto b = clone_params(a);
  torch::optim::Adam ref(a, options), fused(b, options);
  for (int step = 0; step < 6; ++step) {
    set_grads(a);
    set_grads(b);
    ref.step();
    fused_adam_step(fused);
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_TRUE(torch::allclose(a[i], b[i], rtol, atol)) << "param " << i << " step " << step;
      ASSERT_FALSE(torch::equal(a[i], make_params(type)[i])) << "the step moved nothing";
      const auto key_a = c10::guts::to_string(a[i].unsafeGetTensorImpl());
      const auto key_b = c10::guts::to_string(b[i].unsafeGetTensorImpl());
      const auto& sa = static_cast<torch::optim::AdamParamState&>(*ref.state().at(key_a));
      const auto& sb = static_cast<torch::optim::AdamParamState&>(*fused.state().at(key_b));
      EXPECT_EQ(sa.step(), sb.step());
      EXPECT_TRUE(torch::allclose(sa.exp_avg(), sb.exp_avg(), rtol, atol));
      EXPECT_TRUE(torch::allclose(sa.exp_avg_sq(), sb.exp_avg_sq(), rtol, atol));
    }
  }
}

TEST(FusedAdam, EqualsTorchAdamInDouble) {
  expect_same_run(at::kDouble, torch::optim::AdamOptions(1e-2).eps(1e-4), 1e-13, 1e-15);
}

TEST(FusedAdam, EqualsTorchAdamInFloat) {
  expect_same_run(at::kFloat, torch::optim::AdamOptions(1e-3).eps(1e-8), 1e-6, 1e-7);
}

TEST(FusedAdam, FallsBackForAmsgradAndWeightDecay) {
  expect_same_run(at::kDouble, torch::optim::AdamOptions(1e-2).amsgrad(true), 1e-13, 1e-15);
  expect_same_run(at::kDouble, torch::optim::AdamOptions(1e-2).weight_decay(0.1), 1e-13, 1e-15);
}

TEST(FusedAdam, TorchAdamContinuesAFusedRun) {
  // Two fused steps then torch's step == three torch steps: the state is torch's own.
  auto a = make_params(at::kDouble);
  auto b = clone_params(a);
  const auto options = torch::optim::AdamOptions(5e-3).eps(1e-4);
  torch::optim::Adam ref(a, options), mixed(b, options);
  for (int step = 0; step < 3; ++step) {
    set_grads(a);
    set_grads(b);
    ref.step();
    if (step < 2) {
      fused_adam_step(mixed);
    } else {
      mixed.step();
    }
  }
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-13, 1e-15)) << i;
}

TEST(FusedAdam, ClearGradientsDropsThem) {
  auto a = make_params(at::kDouble);
  torch::optim::Adam adam(a, torch::optim::AdamOptions(1e-3));
  set_grads(a);
  clear_gradients(adam);
  for (const auto& p : a) EXPECT_FALSE(p.grad().defined());
  fused_adam_step(adam);  // no gradients: nothing moves
  const auto again = make_params(at::kDouble);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], again[i]));
}

}  // namespace
}  // namespace elbo::amortized
