// The annealed ELBO: the β schedule's values (linear and geometric, by the
// formulas of annealed_elbo.hpp), tempering through the Subsample multiplies
// the likelihood term only, the tempered bound on a draw equals
// β·log-lik + log-prior − log q computed by hand, and after the schedule the
// estimate is the ELBO's to the bit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/objective/annealed_elbo.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "objective/bound_targets.hpp"

namespace elbo::objective {
namespace {

using testing::NormalNormal2;

TEST(AnnealedElbo, ScheduleValues) {
  AnnealedElbo linear(AnnealedElboOptions().anneal_steps(100).initial_beta(0.2));
  EXPECT_DOUBLE_EQ(linear.beta(0), 0.2);
  EXPECT_DOUBLE_EQ(linear.beta(25), 0.4);   // 0.2 + 0.8·0.25
  EXPECT_DOUBLE_EQ(linear.beta(50), 0.6);
  EXPECT_DOUBLE_EQ(linear.beta(99), 0.992);
  EXPECT_EQ(linear.beta(100), 1.0);
  EXPECT_EQ(linear.beta(5000), 1.0);
  AnnealedElbo geometric(
      AnnealedElboOptions().anneal_steps(4).initial_beta(0.0001).schedule(AnnealSchedule::geometric));
  EXPECT_NEAR(geometric.beta(0), 1e-4, 1e-18);
  EXPECT_NEAR(geometric.beta(1), 1e-3, 1e-15);  // 10^{-4·3/4}
  EXPECT_NEAR(geometric.beta(2), 1e-2, 1e-15);
  EXPECT_NEAR(geometric.beta(3), 1e-1, 1e-15);
  EXPECT_EQ(geometric.beta(4), 1.0);
  geometric.set_iteration(2);
  EXPECT_NEAR(geometric.beta(), 1e-2, 1e-15);
  EXPECT_EQ(linear.name(), "annealed:100");
}

TEST(AnnealedElbo, TemperingMultipliesTheLikelihoodOnly) {
  NormalNormal2 p;
  auto gen = make_generator(1);
  auto theta = torch::randn({5, 2}, gen, torch::kDouble);
  auto all = model::Subsample::all(p.num_data());
  auto batch = model::Subsample::of(torch::tensor({0, 3, 4}, torch::kLong), p.num_data());
  EXPECT_EQ(all.tempered(1.0).scale(), all.scale());
  EXPECT_EQ(batch.scale(), 6.0 / 3.0);
  EXPECT_DOUBLE_EQ(batch.tempered(0.25).scale(), 0.25 * 2.0);
  EXPECT_EQ(batch.tempered(0.25).likelihood_weight(), 0.25);
  for (const auto& data : {all, batch}) {
    auto full = p.log_prob(theta, data);
    auto tempered = p.log_prob(theta, data.tempered(0.3));
    auto lik = p.log_likelihood(theta, data) * (static_cast<double>(p.num_data()) / data.size());
    EXPECT_TRUE(torch::allclose(full - tempered, 0.7 * lik, 1e-10, 1e-10));
    EXPECT_TRUE(torch::allclose(p.log_prob(theta, data.tempered(0.0)), p.log_prior(theta), 1e-12, 1e-12));
  }
  EXPECT_THROW(all.tempered(-0.5), DomainError);
}

TEST(AnnealedElbo, ValueIsTheTemperedBoundThenTheElbo) {
  NormalNormal2 p;
  auto q = testing::full_rank_at(torch::tensor({0.3, -0.2}, torch::kDouble), 0.3 * torch::eye(2, torch::kDouble));
  const auto all = model::Subsample::all(p.num_data());
  ReparamElboOptions elbo_options = ReparamElboOptions().num_draws(3).analytic_entropy(false);
  AnnealedElbo annealed(AnnealedElboOptions().anneal_steps(10).initial_beta(0.1).elbo(elbo_options));
  annealed.set_iteration(5);  // β = 0.1 + 0.9·0.5 = 0.55
  auto gen = make_generator(9);
  auto e = annealed.estimate(p, *q, all, gen);
  auto g = make_generator(9);
  auto theta = q->rsample(3, g).detach();
  const double expected =
      (0.55 * p.log_likelihood(theta, all) + p.log_prior(theta) - q->log_prob(theta)).mean().item<double>();
  EXPECT_NEAR(e.value, expected, 1e-10);

  annealed.set_iteration(10);
  ReparamElbo elbo(elbo_options);
  auto g1 = make_generator(4), g2 = make_generator(4);
  EXPECT_EQ(annealed.estimate(p, *q, all, g1).value, elbo.estimate(p, *q, all, g2).value);
}

TEST(AnnealedElbo, BadOptionsAndDatalessDensities) {
  EXPECT_THROW(AnnealedElbo(AnnealedElboOptions().anneal_steps(0)), ConfigError);
  EXPECT_THROW(AnnealedElbo(AnnealedElboOptions().initial_beta(1.5)), ConfigError);
  EXPECT_THROW(AnnealedElbo(AnnealedElboOptions().initial_beta(0.0).schedule(AnnealSchedule::geometric)),
               ConfigError);
  struct NoData : model::LogDensity {
    int64_t dim() const override { return 1; }
    using LogDensity::log_prob;
    at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
      return -0.5 * theta.square().sum(1);
    }
  } no_data;
  family::MeanFieldGaussian q(1);
  AnnealedElbo annealed;
  auto gen = make_generator(1);
  EXPECT_THROW(annealed.estimate(no_data, q, model::Subsample::all(1), gen), ConfigError);
}

}  // namespace
}  // namespace elbo::objective
