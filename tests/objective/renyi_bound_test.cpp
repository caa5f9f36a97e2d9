// The Rényi bound's limit identities (Li & Turner 2016 §3): α → 1 is the ELBO
// (value and gradient on the same draws), α = 0 is the IWAE bound, VR-max is
// max_k log w_k; at q = p(θ | x) every α gives log p(x) exactly (closed-form
// marginal likelihood of a conjugate Normal–Normal model); the generalised DReG
// gradient vanishes there draw by draw and is unbiased elsewhere.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/objective/iwae_bound.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "elbo/objective/renyi_bound.hpp"
#include "objective/bound_targets.hpp"

namespace elbo::objective {
namespace {

using testing::NormalNormal2;

struct Grad {
  double value;
  at::Tensor grad;
};

// Value and gradient of the surrogate of `objective` for draws from seed.
Grad renyi_value_and_grad(Objective& objective, const model::LogDensity& p, family::Family& q,
                    uint64_t seed) {
  q.zero_grad();
  auto gen = make_generator(seed);
  auto e = objective.estimate(p, q, model::Subsample::all(p.num_data()), gen);
  e.surrogate.backward();
  std::vector<at::Tensor> grads;
  for (const auto& param : q.parameters()) grads.push_back(param.grad().detach().clone().flatten());
  return {e.value, torch::cat(grads)};
}

// A q away from the posterior.
std::shared_ptr<family::FullRankGaussian> renyi_mismatched(const NormalNormal2& p) {
  auto cov = 2.0 * p.posterior_covariance() + 0.05 * torch::eye(2, torch::kDouble);
  return testing::full_rank_at(p.posterior_mean() + torch::tensor({0.4, -0.3}, torch::kDouble), cov);
}

TEST(RenyiBound, AlphaToOneIsTheElboValueAndGradient) {
  NormalNormal2 p;
  auto q = renyi_mismatched(p);
  ReparamElbo elbo(ReparamElboOptions().num_draws(7).analytic_entropy(false));
  auto ref = renyi_value_and_grad(elbo, p, *q, 5);
  for (double alpha : {1.0 - 1e-6, 1.0 + 1e-6}) {
    RenyiBound renyi(RenyiBoundOptions().alpha(alpha).num_draws(7));
    auto got = renyi_value_and_grad(renyi, p, *q, 5);
    // L_α = ELBO + O(1 − α) on the same draws (the O(1−α) term is ½(1−α)·Var(log w)).
    EXPECT_NEAR(got.value, ref.value, 1e-5 * (1 + std::abs(ref.value))) << alpha;
    EXPECT_TRUE(torch::allclose(got.grad, ref.grad, 1e-5, 1e-5)) << alpha << "\n" << got.grad << ref.grad;
  }
  // And away from the limit they differ (the test can fail).
  RenyiBound half(RenyiBoundOptions().alpha(0.5).num_draws(7));
  EXPECT_GT(renyi_value_and_grad(half, p, *q, 5).value - ref.value, 1e-3);
}

TEST(RenyiBound, AlphaZeroIsIwaeOnTheSameDraws) {
  NormalNormal2 p;
  auto q = renyi_mismatched(p);
  IwaeBound iwae(IwaeBoundOptions().num_draws(9));
  RenyiBound renyi(RenyiBoundOptions().alpha(0.0).num_draws(9));
  auto a = renyi_value_and_grad(iwae, p, *q, 8);
  auto b = renyi_value_and_grad(renyi, p, *q, 8);
  EXPECT_NEAR(a.value, b.value, 1e-12);
  EXPECT_TRUE(torch::allclose(a.grad, b.grad, 1e-10, 1e-12));
}

TEST(RenyiBound, ValueMatchesTheDefinitionOnTheDraws) {
  // 1/(1−α) log (1/K) Σ w_k^{1−α} computed by hand from the same draws, for
  // negative, fractional and > 1 α; VR-max = max_k log w_k.
  NormalNormal2 p;
  auto q = renyi_mismatched(p);
  auto gen = make_generator(21);
  auto theta = q->rsample(6, gen).detach();
  auto log_w = (p.log_prob(theta) - q->log_prob(theta)).detach();
  for (double alpha : {-3.0, -1.0, 0.3, 0.9, 2.5}) {
    const double a1 = 1 - alpha;
    double sum = 0;
    for (int k = 0; k < 6; ++k) sum += std::exp(a1 * log_w[k].item<double>());
    const double expected = std::log(sum / 6.0) / a1;
    RenyiBound renyi(RenyiBoundOptions().alpha(alpha).num_draws(6));
    auto g = make_generator(21);
    EXPECT_NEAR(renyi.estimate(p, *q, model::Subsample::all(p.num_data()), g).value, expected, 1e-10) << alpha;
  }
  RenyiBound vrmax(RenyiBoundOptions().vr_max(true).num_draws(6));
  auto g = make_generator(21);
  EXPECT_NEAR(vrmax.estimate(p, *q, model::Subsample::all(p.num_data()), g).value,
              log_w.max().item<double>(), 1e-12);
  EXPECT_EQ(vrmax.name(), "vrmax");
}

TEST(RenyiBound, NonIncreasingInAlpha) {
  // L̂_α on fixed draws is a power mean of the w_k: non-increasing in α.
  NormalNormal2 p;
  auto q = renyi_mismatched(p);
  double previous = INFINITY;
  RenyiBound vrmax(RenyiBoundOptions().vr_max(true).num_draws(10));
  previous = renyi_value_and_grad(vrmax, p, *q, 4).value;
  for (double alpha : {-5.0, -1.0, 0.0, 0.5, 0.999, 1.001, 2.0, 10.0}) {
    RenyiBound renyi(RenyiBoundOptions().alpha(alpha).num_draws(10));
    const double v = renyi_value_and_grad(renyi, p, *q, 4).value;
    EXPECT_LT(v, previous + 1e-12) << alpha;
    previous = v;
  }
}

TEST(RenyiBound, EveryAlphaIsTheLogEvidenceAtTheExactPosterior) {
  NormalNormal2 p;
  const double log_z = p.log_evidence();
  auto q = testing::full_rank_at(p.posterior_mean(), p.posterior_covariance());
  for (double alpha : {-10.0, -1.0, 0.0, 0.5, 0.99, 1.5, 4.0}) {
    RenyiBound renyi(RenyiBoundOptions().alpha(alpha).num_draws(5));
    for (uint64_t seed : {1, 2, 3}) {
      EXPECT_NEAR(renyi_value_and_grad(renyi, p, *q, seed).value, log_z, 1e-9) << alpha;
    }
  }
  RenyiBound vrmax(RenyiBoundOptions().vr_max(true).num_draws(5));
  EXPECT_NEAR(renyi_value_and_grad(vrmax, p, *q, 7).value, log_z, 1e-9);
}

TEST(RenyiBound, DoublyReparameterisedGradientVanishesAtThePosteriorAndIsUnbiased) {
  NormalNormal2 p;
  auto exact = testing::full_rank_at(p.posterior_mean(), p.posterior_covariance());
  for (double alpha : {-1.0, 0.5, 2.0}) {
    RenyiBound dreg(RenyiBoundOptions().alpha(alpha).num_draws(4).doubly_reparameterized(true));
    auto g = renyi_value_and_grad(dreg, p, *exact, 3);
    EXPECT_NEAR(g.value, p.log_evidence(), 1e-9);
    EXPECT_LT(g.grad.abs().max().item<double>(), 1e-9) << alpha;
    RenyiBound plain(RenyiBoundOptions().alpha(alpha).num_draws(4));
    EXPECT_GT(renyi_value_and_grad(plain, p, *exact, 3).grad.abs().max().item<double>(), 1e-3) << alpha;
  }
  // Away from it, both estimate ∇E[L̂_α]: averages over R repetitions agree
  // within their Monte-Carlo error (4.5 standard errors of the difference).
  auto q = renyi_mismatched(p);
  for (double alpha : {0.5, -1.0}) {
    RenyiBound dreg(RenyiBoundOptions().alpha(alpha).num_draws(4).doubly_reparameterized(true));
    RenyiBound plain(RenyiBoundOptions().alpha(alpha).num_draws(4));
    const int R = 600;
    std::vector<at::Tensor> a, b;
    for (int r = 0; r < R; ++r) {
      a.push_back(renyi_value_and_grad(dreg, p, *q, 1000 + r).grad);
      b.push_back(renyi_value_and_grad(plain, p, *q, 1000 + r).grad);
    }
    auto A = torch::stack(a), B = torch::stack(b);
    auto diff = (A - B).mean(0);
    auto se = (A - B).std(0) / std::sqrt(static_cast<double>(R));
    EXPECT_TRUE((diff.abs() <= 4.5 * se + 1e-12).all().item<bool>()) << alpha << "\n" << diff << se;
    // DReG has the lower variance on this target.
    EXPECT_LT(A.var(0).sum().item<double>(), B.var(0).sum().item<double>()) << alpha;
  }
}

TEST(RenyiBound, WeightedDrawsEnterWithTheirWeights) {
  NormalNormal2 p;
  auto q = std::make_shared<testing::WeightedMeanField>(2);
  auto gen = make_generator(2);
  auto draws = q->rsample_weighted(5, gen);
  auto log_w = (p.log_prob(draws.theta) - draws.log_q).detach();
  const double alpha = -0.5;
  double sum = 0;
  for (int k = 0; k < 5; ++k) sum += draws.weight[k].item<double>() * std::exp((1 - alpha) * log_w[k].item<double>());
  RenyiBound renyi(RenyiBoundOptions().alpha(alpha).num_draws(5));
  auto g = make_generator(2);
  EXPECT_NEAR(renyi.estimate(p, *q, model::Subsample::all(p.num_data()), g).value,
              std::log(sum) / (1 - alpha), 1e-10);
  RenyiBound dreg(RenyiBoundOptions().alpha(alpha).num_draws(5).doubly_reparameterized(true));
  EXPECT_THROW(dreg.estimate(p, *q, model::Subsample::all(p.num_data()), g), ConfigError);
}

TEST(RenyiBound, BadOptionsAreConfigErrors) {
  EXPECT_THROW(RenyiBound(RenyiBoundOptions().alpha(1.0)), ConfigError);
  EXPECT_THROW(RenyiBound(RenyiBoundOptions().alpha(NAN)), ConfigError);
  EXPECT_THROW(RenyiBound(RenyiBoundOptions().num_draws(0)), ConfigError);
  EXPECT_THROW(RenyiBound(RenyiBoundOptions().vr_max(true).doubly_reparameterized(true)), ConfigError);
  EXPECT_EQ(RenyiBound(RenyiBoundOptions().alpha(-1)).name(), "renyi:-1");
}

}  // namespace
}  // namespace elbo::objective
