// The Gumbel-softmax objective: straight-through draws evaluate log p on the
// discrete support, so the value is an unbiased estimate of the exact ELBO
// (enumeration); at a low temperature the relaxed gradient approaches the
// exact ELBO gradient (the model is multilinear, so the relaxed objective is
// the ELBO at the Concrete means); the annealing schedule; bad options.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "discrete_targets.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/bernoulli_family.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/gumbel_softmax_elbo.hpp"

namespace elbo::objective {
namespace {

struct Chain {
  std::shared_ptr<testing::BinaryChain> model = std::make_shared<testing::BinaryChain>();
  model::ModelDensity p{model};
  family::BernoulliFamily q{3};
  Chain() {
    torch::NoGradGuard no_grad;
    q.logits.copy_(torch::tensor({0.8, -0.5, 0.3}, torch::kDouble));
  }
};

TEST(GumbelSoftmaxElbo, StraightThroughValueIsAnUnbiasedElbo) {
  Chain c;
  const double exact = testing::binary_chain_elbo(*c.model, c.q.logits.detach()).item<double>();
  GumbelSoftmaxElbo objective(GumbelSoftmaxElboOptions().num_draws(20000).temperature(0.5).straight_through(true));
  auto gen = make_generator(1);
  auto e = objective.estimate(c.p, c.q, model::Subsample::all(1), gen);
  // log p takes values within a range of 4: sd/√K < 0.03.
  EXPECT_NEAR(e.value, exact, 0.03);
}

TEST(GumbelSoftmaxElbo, LowTemperatureGradientApproachesTheExactGradient) {
  Chain c;
  auto logits = c.q.logits.detach().clone().requires_grad_(true);
  auto exact = torch::autograd::grad({testing::binary_chain_elbo(*c.model, logits)}, {logits})[0];
  auto gen = make_generator(2);
  auto error_at = [&](double temperature) {
    GumbelSoftmaxElbo objective(GumbelSoftmaxElboOptions().num_draws(200).temperature(temperature));
    auto mean = torch::zeros({3}, torch::kDouble);
    const int R = 200;
    for (int r = 0; r < R; ++r) {
      c.q.zero_grad();
      objective.estimate(c.p, c.q, model::Subsample::all(1), gen).surrogate.backward();
      mean += c.q.logits.grad() / R;
    }
    return (mean - exact).abs().max().item<double>();
  };
  const double hot = error_at(2.0), cold = error_at(0.1);
  EXPECT_GT(hot, 0.05);   // the relaxation is biased ...
  EXPECT_LT(cold, 0.03);  // ... and the bias vanishes as τ → 0
  EXPECT_LT(cold, hot / 3);
}

TEST(GumbelSoftmaxElbo, AnnealsTheTemperatureByCall) {
  GumbelSoftmaxElbo objective(
      GumbelSoftmaxElboOptions().temperature(2.0).anneal_rate(0.1).min_temperature(0.5));
  EXPECT_DOUBLE_EQ(objective.temperature_at(0), 2.0);
  EXPECT_DOUBLE_EQ(objective.temperature_at(5), 2.0 * std::exp(-0.5));
  EXPECT_DOUBLE_EQ(objective.temperature_at(100), 0.5);
  Chain c;
  auto gen = make_generator(3);
  for (int i = 0; i < 3; ++i) objective.estimate(c.p, c.q, model::Subsample::all(1), gen);
  EXPECT_EQ(objective.step(), 3);
  EXPECT_DOUBLE_EQ(objective.temperature(), 2.0 * std::exp(-0.3));
  // The floor never exceeds the initial temperature.
  GumbelSoftmaxElbo cold(GumbelSoftmaxElboOptions().temperature(0.2).anneal_rate(1.0).min_temperature(0.5));
  EXPECT_DOUBLE_EQ(cold.temperature_at(10), 0.2);
}

TEST(GumbelSoftmaxElbo, TheDriversStepSetsTheScheduleAndItsLength) {
  GumbelSoftmaxElbo objective(
      GumbelSoftmaxElboOptions().temperature(2.0).anneal_rate(0.1).min_temperature(0.5));
  // τ reaches τ_min = 0.5 at t = ln(4)/0.1 = 13.86: step 14.
  EXPECT_EQ(objective.schedule_steps(), 14);
  EXPECT_GT(objective.temperature_at(13), 0.5);
  EXPECT_DOUBLE_EQ(objective.temperature_at(14), 0.5);
  objective.set_iteration(7);  // what Svi does before each estimate (and after a resume)
  EXPECT_DOUBLE_EQ(objective.temperature(), 2.0 * std::exp(-0.7));
  EXPECT_EQ(GumbelSoftmaxElbo(GumbelSoftmaxElboOptions().temperature(2.0)).schedule_steps(), 0);
}

TEST(GumbelSoftmaxElbo, ContinuousFamiliesUseTheirReparameterisedDraws) {
  // A mean-field Gaussian on a Gaussian target: the relaxed objective is the ELBO.
  struct Quadratic : model::LogDensity {
    int64_t dim() const override { return 2; }
    at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
      return -0.5 * theta.square().sum(1);
    }
  } p;
  family::MeanFieldGaussian q(2);
  GumbelSoftmaxElbo objective(GumbelSoftmaxElboOptions().num_draws(40000));
  auto gen = make_generator(4);
  // E[−½ θ²] + H = −1 + (1 + log 2π) = log 2π at μ = 0, σ = 1.
  EXPECT_NEAR(objective.estimate(p, q, model::Subsample::all(1), gen).value, std::log(2 * M_PI), 0.02);
}

TEST(GumbelSoftmaxElbo, RejectsBadOptions) {
  EXPECT_THROW(GumbelSoftmaxElbo(GumbelSoftmaxElboOptions().num_draws(0)), ConfigError);
  EXPECT_THROW(GumbelSoftmaxElbo(GumbelSoftmaxElboOptions().temperature(0)), ConfigError);
  EXPECT_THROW(GumbelSoftmaxElbo(GumbelSoftmaxElboOptions().min_temperature(-1)), ConfigError);
  EXPECT_THROW(GumbelSoftmaxElbo(GumbelSoftmaxElboOptions().anneal_rate(-0.1)), ConfigError);
}

}  // namespace
}  // namespace elbo::objective
