// Step-size schedules and update rules against values worked by hand.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/optim/optimizer.hpp"
#include "elbo/optim/stan_adaptive_step.hpp"
#include "elbo/optim/torch_optimizer.hpp"
#include "elbo/optim/step_schedule.hpp"

namespace elbo::optim {
namespace {

TEST(StepSchedule, RobbinsMonroValues) {
  RobbinsMonroStep rm(0.5, 10.0, 0.75);
  EXPECT_DOUBLE_EQ(rm.rate(0), 0.5);
  EXPECT_NEAR(rm.rate(10), 0.5 * std::pow(2.0, -0.75), 1e-15);
  EXPECT_NEAR(rm.rate(90), 0.5 * std::pow(10.0, -0.75), 1e-15);
  EXPECT_DOUBLE_EQ(ConstantStep(0.3).rate(12345), 0.3);
  EXPECT_THROW(RobbinsMonroStep(0.5, 10, 0.5), ConfigError);   // κ must be in (0.5, 1]
  EXPECT_THROW(RobbinsMonroStep(0.5, 10, 1.01), ConfigError);
  EXPECT_THROW(ConstantStep(-1), DomainError);
}

TEST(StanAdaptiveStep, FollowsStansSequence) {
  // p ← p − η k^{-1/2} g / (1 + √s_k), s_1 = g², s_k = 0.1 g² + 0.9 s_{k−1}.
  auto p = torch::tensor({1.0, -2.0}, torch::dtype(torch::kDouble).requires_grad(true));
  StanAdaptiveStep opt({p}, 0.5);
  const double g1[2] = {3.0, -0.5}, g2[2] = {1.0, 2.0};
  p.mutable_grad() = torch::tensor({g1[0], g1[1]}, torch::kDouble);
  opt.step(0);
  double expected[2], s[2];
  for (int i = 0; i < 2; ++i) {
    s[i] = g1[i] * g1[i];
    expected[i] = (i == 0 ? 1.0 : -2.0) - 0.5 * g1[i] / (1 + std::sqrt(s[i]));
    EXPECT_NEAR(p[i].item<double>(), expected[i], 1e-12);
  }
  p.mutable_grad() = torch::tensor({g2[0], g2[1]}, torch::kDouble);
  opt.step(1);
  for (int i = 0; i < 2; ++i) {
    s[i] = 0.1 * g2[i] * g2[i] + 0.9 * s[i];
    expected[i] -= 0.5 * std::pow(2.0, -0.5 + 1e-16) * g2[i] / (1 + std::sqrt(s[i]));
    EXPECT_NEAR(p[i].item<double>(), expected[i], 1e-12);
  }
}

TEST(TorchOptimizer, SgdUsesTheScheduledRate) {
  auto p = torch::tensor({1.0}, torch::dtype(torch::kDouble).requires_grad(true));
  OptimizerOptions o;
  o.method = "sgd";
  o.eta = 0.2;
  o.schedule = "robbins_monro";
  o.tau = 1.0;
  o.kappa = 1.0;
  auto opt = make_optimizer(o, {p});
  p.mutable_grad() = torch::tensor({1.0}, torch::kDouble);
  opt->step(0);  // rate 0.2
  EXPECT_NEAR(p.item<double>(), 0.8, 1e-15);
  opt->step(1);  // rate 0.2 / 2
  EXPECT_NEAR(p.item<double>(), 0.7, 1e-15);
}

TEST(TorchOptimizer, AdamFirstStepIsTheLearningRate) {
  auto p = torch::tensor({1.0, 1.0}, torch::dtype(torch::kDouble).requires_grad(true));
  OptimizerOptions o;
  o.method = "adam";
  o.eta = 0.01;
  o.schedule = "constant";
  auto opt = make_optimizer(o, {p});
  p.mutable_grad() = torch::tensor({5.0, -0.1}, torch::kDouble);
  opt->step(0);
  EXPECT_NEAR(p[0].item<double>(), 0.99, 1e-8);
  EXPECT_NEAR(p[1].item<double>(), 1.01, 1e-6);
}

TEST(CheckOptimizerState, RefusesAStepThatWouldOverflow) {
  // A forged Adam step of 2^63 - 1 overflowed on the next step's `step + 1`
  // (found by fuzzing the VAE checkpoint under UBSan); 2^53 is the bound.
  auto p = torch::zeros({2}, torch::dtype(torch::kDouble).requires_grad(true));
  torch::optim::Adam adam({p});
  p.mutable_grad() = torch::ones({2}, torch::kDouble);
  adam.step();
  auto& state = static_cast<torch::optim::AdamParamState&>(
      *adam.state().at(c10::guts::to_string(p.unsafeGetTensorImpl())));
  state.step(int64_t{1} << 53);
  EXPECT_NO_THROW(check_optimizer_state(adam));
  state.step(std::numeric_limits<int64_t>::max());
  EXPECT_THROW(check_optimizer_state(adam), c10::Error);
  state.step(-1);
  EXPECT_THROW(check_optimizer_state(adam), c10::Error);
}

TEST(MakeOptimizer, RejectsUnknownNamesAndBadSteps) {
  auto p = torch::zeros({1}, torch::dtype(torch::kDouble).requires_grad(true));
  OptimizerOptions o;
  o.method = "adamw2";
  EXPECT_THROW(make_optimizer(o, {p}), ConfigError);
  o.method = "adam";
  o.schedule = "cosine";
  EXPECT_THROW(make_optimizer(o, {p}), ConfigError);
  o.schedule = "constant";
  o.eta = 0;
  EXPECT_THROW(make_optimizer(o, {p}), ConfigError);
}

}  // namespace
}  // namespace elbo::optim
