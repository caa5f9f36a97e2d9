// The binary Concrete (relaxed Bernoulli) against its defining properties:
// the density integrates to one on (0, 1) (quadrature on the logit scale),
// P(y > ½) = σ(l) at every temperature (Maddison et al. 2017, Prop. 1(c)),
// draws approach {0, 1} as the temperature falls, it is the first coordinate
// of a two-class Concrete, and straight-through draws are exactly 0/1 with
// the relaxed draw's gradient.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/dist/relaxed_bernoulli.hpp"
#include "elbo/dist/relaxed_categorical.hpp"

namespace elbo::dist {
namespace {

// ∫_0^1 p(y) dy = ∫ p(σ(u)) σ(u)(1 − σ(u)) du, trapezoid rule on [−35, 35].
double integral(const RelaxedBernoulli& d) {
  auto u = torch::linspace(-35, 35, 70001, torch::kDouble);
  auto y = u.sigmoid();
  auto integrand = (d.log_prob(y) + torch::log_sigmoid(u) + torch::log_sigmoid(-u)).exp();
  return torch::trapezoid(integrand, u).item<double>();
}

TEST(RelaxedBernoulli, DensityIntegratesToOne) {
  for (double temperature : {0.5, 1.0, 2.0}) {
    for (double logit : {-1.0, 0.3}) {
      RelaxedBernoulli d(temperature, logit);
      EXPECT_NEAR(integral(d), 1.0, 1e-6) << "temperature " << temperature << " logit " << logit;
    }
  }
}

TEST(RelaxedBernoulli, DensityAtAPointByHand) {
  // λ = 0.5, α = e^0.3, y = 0.2: λ α y^(−λ−1)(1−y)^(−λ−1) / (α y^(−λ) + (1−y)^(−λ))².
  const double lam = 0.5, a = std::exp(0.3), y = 0.2;
  const double p = lam * a * std::pow(y, -lam - 1) * std::pow(1 - y, -lam - 1) /
                   std::pow(a * std::pow(y, -lam) + std::pow(1 - y, -lam), 2);
  RelaxedBernoulli d(lam, 0.3);
  EXPECT_NEAR(d.log_prob(torch::tensor(y, torch::kDouble)).item<double>(), std::log(p), 1e-12);
}

TEST(RelaxedBernoulli, IsTheFirstCoordinateOfATwoClassConcrete) {
  auto t = torch::linspace(0.01, 0.99, 25, torch::kDouble);
  RelaxedBernoulli binary(0.7, -0.4);
  RelaxedCategorical two(0.7, torch::tensor({-0.4, 0.0}, torch::kDouble));
  auto on_simplex = torch::stack({t, 1 - t}, 1);
  EXPECT_TRUE(torch::allclose(binary.log_prob(t), two.log_prob(on_simplex), 1e-10, 1e-12));
}

TEST(RelaxedBernoulli, RoundingGivesTheBernoulliAtEveryTemperature) {
  auto gen = make_generator(1);
  const int64_t S = 40000;
  const double logit = 0.8, p = 1.0 / (1.0 + std::exp(-logit));
  for (double temperature : {0.1, 1.0, 5.0}) {
    RelaxedBernoulli d(temperature, logit);
    const double freq = (d.sample({S}, gen) > 0.5).to(torch::kDouble).mean().item<double>();
    EXPECT_NEAR(freq, p, 4 * std::sqrt(p * (1 - p) / S)) << "temperature " << temperature;
  }
}

TEST(RelaxedBernoulli, DrawsApproachZeroOrOneAsTemperatureFalls) {
  auto gen = make_generator(2);
  double previous = 1.0;
  for (double temperature : {1.0, 0.3, 0.1, 0.01}) {
    RelaxedBernoulli d(temperature, 0.5);
    auto y = d.sample({20000}, gen);
    const double distance = torch::minimum(y, 1 - y).mean().item<double>();
    EXPECT_LT(distance, previous);
    previous = distance;
  }
  EXPECT_LT(previous, 0.01);
}

TEST(RelaxedBernoulli, StraightThroughIsHardForwardAndRelaxedBackward) {
  auto logits = torch::tensor({-0.5, 0.2, 1.5}, torch::dtype(torch::kDouble).requires_grad(true));
  auto weights = torch::tensor({0.3, -1.2, 2.0}, torch::kDouble);
  RelaxedBernoulli d(0.6, logits);
  auto gen_a = make_generator(3), gen_b = make_generator(3);
  auto hard = d.rsample_straight_through({50}, gen_a);
  auto soft = d.rsample({50}, gen_b);
  EXPECT_TRUE(torch::equal(hard.detach(), (soft.detach() > 0.5).to(torch::kDouble)));
  EXPECT_TRUE(((hard == 0) | (hard == 1)).all().item<bool>());
  auto g_hard = torch::autograd::grad({(hard * weights).sum()}, {logits}, {}, /*retain_graph=*/true)[0];
  auto g_soft = torch::autograd::grad({(soft * weights).sum()}, {logits})[0];
  EXPECT_TRUE(torch::allclose(g_hard, g_soft, 1e-12, 1e-14));
}

TEST(RelaxedBernoulli, OutsideTheOpenIntervalIsMinusInfinity) {
  RelaxedBernoulli d(0.5, 0.0);
  auto lp = d.log_prob(torch::tensor({-0.1, 0.0, 1.0, 1.5}, torch::kDouble));
  EXPECT_TRUE((lp == -std::numeric_limits<double>::infinity()).all().item<bool>());
}

TEST(RelaxedBernoulli, RejectsBadParameters) {
  EXPECT_THROW(RelaxedBernoulli(0.0, 0.0), DomainError);
  EXPECT_THROW(RelaxedBernoulli(-1.0, 0.0), DomainError);
  EXPECT_THROW(RelaxedBernoulli(1.0, std::nan("")), DomainError);
}

}  // namespace
}  // namespace elbo::dist
