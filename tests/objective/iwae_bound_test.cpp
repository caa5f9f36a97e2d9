// The importance-weighted bound (Burda et al. 2016): K = 1 is the ELBO on the
// same draw (value and gradient); E[L_K] rises with K towards log p(x) (their
// Theorem 1) and equals it at q = p(θ | x) for any draws; the DReG gradient
// (Tucker et al. 2019) vanishes at the posterior and is unbiased elsewhere.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/objective/iwae_bound.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "objective/bound_targets.hpp"

namespace elbo::objective {
namespace {

using testing::NormalNormal2;

std::pair<double, at::Tensor> iwae_value_and_grad(Objective& objective, const model::LogDensity& p,
                                             family::Family& q, uint64_t seed) {
  q.zero_grad();
  auto gen = make_generator(seed);
  auto e = objective.estimate(p, q, model::Subsample::all(p.num_data()), gen);
  e.surrogate.backward();
  std::vector<at::Tensor> grads;
  for (const auto& param : q.parameters()) grads.push_back(param.grad().detach().clone().flatten());
  return {e.value, torch::cat(grads)};
}

std::shared_ptr<family::FullRankGaussian> iwae_mismatched(const NormalNormal2& p) {
  auto cov = 0.5 * p.posterior_covariance() + 0.02 * torch::eye(2, torch::kDouble);
  return testing::full_rank_at(p.posterior_mean() + torch::tensor({-0.3, 0.2}, torch::kDouble), cov);
}

TEST(IwaeBound, OneDrawIsTheElbo) {
  NormalNormal2 p;
  auto q = iwae_mismatched(p);
  IwaeBound iwae(IwaeBoundOptions().num_draws(1));
  ReparamElbo elbo(ReparamElboOptions().num_draws(1).analytic_entropy(false));
  for (uint64_t seed : {1, 2, 3}) {
    auto a = iwae_value_and_grad(iwae, p, *q, seed);
    auto b = iwae_value_and_grad(elbo, p, *q, seed);
    EXPECT_NEAR(a.first, b.first, 1e-12);
    EXPECT_TRUE(torch::allclose(a.second, b.second, 1e-10, 1e-12));
  }
}

TEST(IwaeBound, ValueIsTheLogMeanWeight) {
  NormalNormal2 p;
  auto q = iwae_mismatched(p);
  auto gen = make_generator(4);
  auto theta = q->rsample(8, gen).detach();
  auto log_w = (p.log_prob(theta) - q->log_prob(theta)).detach();
  double sum = 0;
  for (int k = 0; k < 8; ++k) sum += std::exp(log_w[k].item<double>());
  IwaeBound iwae(IwaeBoundOptions().num_draws(8));
  auto g = make_generator(4);
  EXPECT_NEAR(iwae.estimate(p, *q, model::Subsample::all(p.num_data()), g).value, std::log(sum / 8), 1e-10);
  EXPECT_EQ(iwae.name(), "iwae:8");
}

TEST(IwaeBound, ExpectationRisesWithKTowardsTheLogEvidence) {
  NormalNormal2 p;
  auto q = iwae_mismatched(p);
  const double log_z = p.log_evidence();
  const int R = 500;
  double previous = -INFINITY;
  for (int64_t K : {1, 4, 32, 256}) {
    IwaeBound iwae(IwaeBoundOptions().num_draws(K));
    auto gen = make_generator(100 + K);
    std::vector<double> v;
    torch::NoGradGuard no_grad;
    for (int r = 0; r < R; ++r) v.push_back(iwae.estimate(p, *q, model::Subsample::all(p.num_data()), gen).value);
    auto t = torch::tensor(v, torch::kDouble);
    const double mean = t.mean().item<double>(), se = t.std().item<double>() / std::sqrt(R);
    EXPECT_LT(mean, log_z + 4.5 * se) << K;
    EXPECT_GT(mean, previous) << K;  // the gaps are many standard errors wide here
    previous = mean;
    if (K == 256) EXPECT_NEAR(mean, log_z, 0.05);
  }
}

TEST(IwaeBound, ExactPosteriorGivesTheLogEvidenceAndZeroDregGradient) {
  NormalNormal2 p;
  auto q = testing::full_rank_at(p.posterior_mean(), p.posterior_covariance());
  IwaeBound dreg(IwaeBoundOptions().num_draws(6).doubly_reparameterized(true));
  IwaeBound plain(IwaeBoundOptions().num_draws(6));
  for (uint64_t seed : {1, 2}) {
    auto d = iwae_value_and_grad(dreg, p, *q, seed);
    auto g = iwae_value_and_grad(plain, p, *q, seed);
    EXPECT_NEAR(d.first, p.log_evidence(), 1e-9);
    EXPECT_NEAR(g.first, p.log_evidence(), 1e-9);
    EXPECT_LT(d.second.abs().max().item<double>(), 1e-9);
    EXPECT_GT(g.second.abs().max().item<double>(), 1e-3);
  }
}

TEST(IwaeBound, DregIsUnbiasedAwayFromThePosterior) {
  NormalNormal2 p;
  auto q = iwae_mismatched(p);
  IwaeBound dreg(IwaeBoundOptions().num_draws(5).doubly_reparameterized(true));
  IwaeBound plain(IwaeBoundOptions().num_draws(5));
  const int R = 600;
  std::vector<at::Tensor> a, b;
  for (int r = 0; r < R; ++r) {
    a.push_back(iwae_value_and_grad(dreg, p, *q, 5000 + r).second);
    b.push_back(iwae_value_and_grad(plain, p, *q, 5000 + r).second);
  }
  auto A = torch::stack(a), B = torch::stack(b);
  auto diff = (A - B).mean(0);
  auto se = (A - B).std(0) / std::sqrt(static_cast<double>(R));
  EXPECT_TRUE((diff.abs() <= 4.5 * se + 1e-12).all().item<bool>()) << diff << se;
}

TEST(IwaeBound, WeightedDrawsAndNonFiniteDraws) {
  NormalNormal2 p;
  auto q = std::make_shared<testing::WeightedMeanField>(2);
  auto gen = make_generator(6);
  auto draws = q->rsample_weighted(4, gen);
  auto log_w = (p.log_prob(draws.theta) - draws.log_q).detach();
  const double expected = torch::logsumexp(draws.weight.detach().log() + log_w, 0).item<double>();
  IwaeBound iwae(IwaeBoundOptions().num_draws(4));
  auto g = make_generator(6);
  EXPECT_NEAR(iwae.estimate(p, *q, model::Subsample::all(p.num_data()), g).value, expected, 1e-10);
  IwaeBound dreg(IwaeBoundOptions().num_draws(4).doubly_reparameterized(true));
  EXPECT_THROW(dreg.estimate(p, *q, model::Subsample::all(p.num_data()), g), ConfigError);

  // A density that is −∞ for θ_1 < 0: those draws are dropped and counted.
  struct HalfPlane : model::LogDensity {
    int64_t dim() const override { return 1; }
    using LogDensity::log_prob;
    at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
      auto x = theta.select(1, 0);
      return torch::where(x > 0, -x, torch::full_like(x, -INFINITY));
    }
  } half;
  family::MeanFieldGaussian q1(1);
  auto g1 = make_generator(3);
  auto e = iwae.estimate(half, q1, model::Subsample::all(1), g1);
  auto g2 = make_generator(3);
  auto theta = q1.rsample(4, g2).detach();
  const int64_t negatives = (theta.select(1, 0) <= 0).sum().item<int64_t>();
  ASSERT_GT(negatives, 0);
  ASSERT_LT(negatives, 4);
  EXPECT_EQ(e.dropped, negatives);
  EXPECT_TRUE(std::isfinite(e.value));
  EXPECT_THROW(IwaeBound(IwaeBoundOptions().num_draws(0)), ConfigError);
}

}  // namespace
}  // namespace elbo::objective
