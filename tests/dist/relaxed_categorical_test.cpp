// The Concrete / Gumbel-softmax distribution against its defining properties:
// the density integrates to one on the simplex (two classes: 1-D quadrature;
// three classes: 2-D quadrature over softmax coordinates, |J| = x1 x2 x3),
// argmax of a draw is Categorical(softmax(l)) at every temperature (the
// Gumbel-max trick), draws approach one-hot vectors as the temperature falls,
// and straight-through draws are exactly one-hot with the relaxed gradient.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/dist/relaxed_categorical.hpp"

namespace elbo::dist {
namespace {

TEST(RelaxedCategorical, TwoClassDensityIntegratesToOne) {
  for (double temperature : {0.5, 1.0, 3.0}) {
    RelaxedCategorical d(temperature, torch::tensor({0.4, -0.3}, torch::kDouble));
    // x = (σ(u), 1 − σ(u)), dx1/du = σ(u)(1 − σ(u)).
    auto u = torch::linspace(-35, 35, 70001, torch::kDouble);
    auto x = torch::stack({u.sigmoid(), (-u).sigmoid()}, 1);
    auto integrand = (d.log_prob(x) + torch::log_sigmoid(u) + torch::log_sigmoid(-u)).exp();
    EXPECT_NEAR(torch::trapezoid(integrand, u).item<double>(), 1.0, 1e-6) << temperature;
  }
}

TEST(RelaxedCategorical, ThreeClassDensityIntegratesToOneInTwoDimensions) {
  // x = softmax(u1, u2, 0): the map (u1, u2) → (x1, x2) has |J| = x1 x2 x3.
  for (double temperature : {0.7, 1.5}) {
    RelaxedCategorical d(temperature, torch::tensor({0.5, -0.2, 0.1}, torch::kDouble));
    const double h = 0.05;
    auto grid = torch::arange(-30, 30 + h / 2, h, torch::kDouble);
    auto mesh = torch::meshgrid({grid, grid}, "ij");
    auto u = torch::stack({mesh[0].reshape(-1), mesh[1].reshape(-1),
                           torch::zeros({grid.numel() * grid.numel()}, torch::kDouble)}, 1);
    auto log_x = u.log_softmax(1);
    auto integrand = (d.log_prob(log_x.exp()) + log_x.sum(1)).exp();
    EXPECT_NEAR(integrand.sum().item<double>() * h * h, 1.0, 1e-5) << temperature;
  }
}

TEST(RelaxedCategorical, DensityAtAPointByHand) {
  // (n−1)! λ^(n−1) Π α_k x_k^(−λ−1) / (Σ α_i x_i^(−λ))^n with n = 3.
  const double lam = 0.8;
  const double a[3] = {1.0, 2.0, 0.5}, x[3] = {0.2, 0.5, 0.3};
  double prod = 1, sum = 0;
  for (int k = 0; k < 3; ++k) {
    prod *= a[k] * std::pow(x[k], -lam - 1);
    sum += a[k] * std::pow(x[k], -lam);
  }
  const double p = 2.0 * lam * lam * prod / std::pow(sum, 3);
  RelaxedCategorical d(lam, torch::log(torch::tensor({1.0, 2.0, 0.5}, torch::kDouble)));
  EXPECT_NEAR(d.log_prob(torch::tensor({0.2, 0.5, 0.3}, torch::kDouble)).item<double>(),
              std::log(p), 1e-12);
}

TEST(RelaxedCategorical, ArgmaxIsTheCategoricalAtEveryTemperature) {
  auto gen = make_generator(1);
  const int64_t S = 30000;
  auto logits = torch::tensor({0.5, -0.2, 1.0}, torch::kDouble);
  auto probs = logits.softmax(0);
  for (double temperature : {0.2, 1.0, 4.0}) {
    RelaxedCategorical d(temperature, logits);
    auto index = d.sample({S}, gen).argmax(1);
    for (int64_t c = 0; c < 3; ++c) {
      const double p = probs[c].item<double>();
      const double freq = (index == c).to(torch::kDouble).mean().item<double>();
      EXPECT_NEAR(freq, p, 4 * std::sqrt(p * (1 - p) / S)) << "class " << c;
    }
  }
}

TEST(RelaxedCategorical, DrawsApproachOneHotAsTemperatureFalls) {
  auto gen = make_generator(2);
  auto logits = torch::tensor({0.5, -0.2, 1.0, 0.0}, torch::kDouble);
  double previous = 1.0;
  for (double temperature : {2.0, 0.5, 0.1, 0.01}) {
    RelaxedCategorical d(temperature, logits);
    const double gap = (1 - std::get<0>(d.sample({20000}, gen).max(1))).mean().item<double>();
    EXPECT_LT(gap, previous) << temperature;
    previous = gap;
  }
  EXPECT_LT(previous, 0.01);
}

TEST(RelaxedCategorical, StraightThroughIsOneHotForwardAndRelaxedBackward) {
  auto logits = torch::tensor({{0.1, -0.5, 0.7}, {1.0, 0.0, -1.0}},
                              torch::dtype(torch::kDouble).requires_grad(true));
  auto weights = torch::tensor({0.3, -1.2, 2.0}, torch::kDouble);
  RelaxedCategorical d(0.6, logits);
  auto gen_a = make_generator(3), gen_b = make_generator(3);
  auto hard = d.rsample_straight_through({40}, gen_a);
  auto soft = d.rsample({40}, gen_b);
  ASSERT_EQ(hard.sizes(), (std::vector<int64_t>{40, 2, 3}));
  EXPECT_TRUE(((hard.detach() == 0) | (hard.detach() == 1)).all().item<bool>());
  EXPECT_TRUE(torch::equal(hard.detach().sum(-1), torch::ones({40, 2}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(hard.detach().argmax(-1), soft.detach().argmax(-1)));
  auto g_hard = torch::autograd::grad({(hard * weights).sum()}, {logits}, {}, /*retain_graph=*/true)[0];
  auto g_soft = torch::autograd::grad({(soft * weights).sum()}, {logits})[0];
  EXPECT_TRUE(torch::allclose(g_hard, g_soft, 1e-12, 1e-14));
}

TEST(RelaxedCategorical, OffTheSimplexIsMinusInfinity) {
  RelaxedCategorical d(0.5, torch::zeros({3}, torch::kDouble));
  auto lp = d.log_prob(torch::tensor({{0.5, 0.5, 0.5}, {0.0, 0.5, 0.5}, {-0.1, 0.6, 0.5}},
                                     torch::kDouble));
  EXPECT_TRUE((lp == -std::numeric_limits<double>::infinity()).all().item<bool>());
}

TEST(RelaxedCategorical, RejectsBadParameters) {
  auto logits = torch::zeros({2, 3}, torch::kDouble);
  EXPECT_THROW(RelaxedCategorical(0.0, logits), DomainError);
  EXPECT_THROW(RelaxedCategorical(torch::ones({3}, torch::kDouble), logits), DomainError);
  EXPECT_THROW(RelaxedCategorical(1.0, torch::zeros({0}, torch::kDouble)), DomainError);
  EXPECT_THROW(RelaxedCategorical(1.0, torch::tensor({std::nan(""), 0.0}, torch::kDouble)),
               DomainError);
}

}  // namespace
}  // namespace elbo::dist
