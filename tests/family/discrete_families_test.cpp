// The discrete and mixed mean-field families against closed forms: Bernoulli
// and categorical log q and entropy from their definitions, draw frequencies,
// the per-factor pieces (log q per factor sums to log q; factor layout), the
// closed-form per-draw scores against the autograd fallback of Family::score,
// overdispersed proposals, and ProductFamily = the sum of its blocks.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/bernoulli_family.hpp"
#include "elbo/family/categorical_family.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/family/product_family.hpp"

namespace elbo::family {
namespace {

void randomise(Family& q, uint64_t seed) {
  auto gen = make_generator(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : q.parameters()) p.copy_(0.8 * torch::randn(p.sizes(), gen, p.options()));
}

void expect_scores_match_autograd(Family& q, const at::Tensor& theta) {
  auto closed = q.score(theta);
  auto autograd = q.Family::score(theta);  // the generic per-draw backward
  ASSERT_EQ(closed.size(), autograd.size());
  for (size_t i = 0; i < closed.size(); ++i) {
    EXPECT_TRUE(torch::allclose(closed[i], autograd[i], 1e-10, 1e-12)) << q.family_name() << " " << i;
  }
}

TEST(BernoulliFamily, LogProbAndEntropyMatchTheDefinition) {
  BernoulliFamily q(4);
  randomise(q, 1);
  auto p = q.logits.detach().sigmoid();
  auto theta = torch::tensor({{0., 1., 1., 0.}, {1., 1., 0., 0.}, {0., 0., 0., 1.}}, torch::kDouble);
  auto expected = (theta * p.log() + (1 - theta) * (1 - p).log()).sum(1);
  EXPECT_TRUE(torch::allclose(q.log_prob(theta).detach(), expected, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(q.log_prob_factors(theta).detach().sum(1), expected, 1e-12, 1e-12));
  const double entropy = -(p * p.log() + (1 - p) * (1 - p).log()).sum().item<double>();
  EXPECT_NEAR(q.entropy().item<double>(), entropy, 1e-12);
  EXPECT_FALSE(q.has_rsample());
  auto gen = make_generator(2);
  EXPECT_THROW(q.rsample(2, gen), DomainError);
}

TEST(BernoulliFamily, DrawFrequenciesMatchTheProbabilities) {
  BernoulliFamily q(3);
  randomise(q, 3);
  auto gen = make_generator(4);
  const int64_t S = 30000;
  auto draws = q.sample(S, gen);
  EXPECT_TRUE(((draws == 0) | (draws == 1)).all().item<bool>());
  auto p = q.mean();
  auto se = (p * (1 - p) / S).sqrt();
  EXPECT_LT(((draws.mean(0) - p).abs() / se).max().item<double>(), 4.0);
}

TEST(BernoulliFamily, FactorsScoresAndProposal) {
  BernoulliFamily q(3);
  randomise(q, 5);
  EXPECT_EQ(q.num_factors(), 3);
  EXPECT_EQ(q.factor_coordinates(), (std::vector<std::vector<int64_t>>{{0}, {1}, {2}}));
  auto gen = make_generator(6);
  expect_scores_match_autograd(q, q.sample(5, gen));
  auto r = q.overdispersed(2.0);
  auto& rb = dynamic_cast<BernoulliFamily&>(*r);
  EXPECT_TRUE(torch::allclose(rb.logits, q.logits.detach() / 2.0));
  EXPECT_FALSE(rb.logits.requires_grad());
  EXPECT_THROW(q.overdispersed(0.5), DomainError);
  // initialize centres the probabilities (clamped to [0.05, 0.95]).
  q.initialize(torch::tensor({0.3, -2.0, 1.7}, torch::kDouble));
  EXPECT_TRUE(torch::allclose(q.mean(), torch::tensor({0.3, 0.05, 0.95}, torch::kDouble)));
}

TEST(CategoricalFamily, LogProbAndEntropyMatchTheDefinition) {
  CategoricalFamily q(2, 3);
  randomise(q, 7);
  EXPECT_EQ(q.dim(), 6);
  auto probs = q.logits.detach().softmax(1);  // [2, 3]
  // Latent 0 = class 2, latent 1 = class 0; then latent 0 = class 1, latent 1 = class 1.
  auto theta = torch::tensor({{0., 0., 1., 1., 0., 0.}, {0., 1., 0., 0., 1., 0.}}, torch::kDouble);
  auto expected = torch::stack({probs[0][2].log() + probs[1][0].log(),
                                probs[0][1].log() + probs[1][1].log()});
  EXPECT_TRUE(torch::allclose(q.log_prob(theta).detach(), expected, 1e-12, 1e-12));
  auto factors = q.log_prob_factors(theta).detach();
  EXPECT_NEAR(factors[0][0].item<double>(), probs[0][2].log().item<double>(), 1e-12);
  EXPECT_NEAR(factors[1][1].item<double>(), probs[1][1].log().item<double>(), 1e-12);
  EXPECT_NEAR(q.entropy().item<double>(), -(probs * probs.log()).sum().item<double>(), 1e-12);
  EXPECT_EQ(q.factor_coordinates(), (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}}));
}

TEST(CategoricalFamily, DrawsAreOneHotWithTheRightFrequencies) {
  CategoricalFamily q(2, 4);
  randomise(q, 8);
  auto gen = make_generator(9);
  const int64_t S = 30000;
  auto draws = q.sample(S, gen).reshape({S, 2, 4});
  EXPECT_TRUE(torch::equal(draws.sum(-1), torch::ones({S, 2}, torch::kDouble)));
  auto p = q.mean().reshape({2, 4});
  auto se = (p * (1 - p) / S).sqrt();
  EXPECT_LT(((draws.mean(0) - p).abs() / se).max().item<double>(), 4.0);
  // The covariance of a one-hot vector per latent, checked against the draws.
  auto flat = draws.reshape({S, 8});
  auto centred = flat - flat.mean(0);
  auto sample_cov = centred.t().matmul(centred) / (S - 1);
  EXPECT_LT((sample_cov - q.covariance()).abs().max().item<double>(), 0.02);
}

TEST(CategoricalFamily, ScoresProposalAndMakeFamily) {
  CategoricalFamily q(3, 3);
  randomise(q, 10);
  auto gen = make_generator(11);
  expect_scores_match_autograd(q, q.sample(4, gen));
  auto r = q.overdispersed(3.0);
  EXPECT_TRUE(torch::allclose(dynamic_cast<CategoricalFamily&>(*r).logits, q.logits.detach() / 3.0));
  auto made = make_family("categorical:3", 6);
  EXPECT_EQ(dynamic_cast<CategoricalFamily&>(*made).num_latents(), 2);
  EXPECT_EQ(make_family("bernoulli", 5)->family_name(), "bernoulli");
  EXPECT_THROW(make_family("categorical:4", 6), ConfigError);
  EXPECT_THROW(make_family("categorical:1", 6), ConfigError);
  EXPECT_THROW(make_family("categorical", 6), ConfigError);
  EXPECT_THROW(make_family("categorical:x", 6), ConfigError);
  EXPECT_THROW(CategoricalFamily(2, 1), ConfigError);
}

TEST(MeanFieldGaussianFactors, ScoresFactorsAndProposal) {
  MeanFieldGaussian q(3);
  randomise(q, 12);
  auto gen = make_generator(13);
  auto theta = q.sample(6, gen);
  expect_scores_match_autograd(q, theta);
  EXPECT_TRUE(torch::allclose(q.log_prob_factors(theta).sum(1), q.log_prob(theta), 1e-12, 1e-12));
  auto r = q.overdispersed(4.0);
  EXPECT_TRUE(torch::allclose(r->covariance(), 4.0 * q.covariance(), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(r->mean(), q.mean()));
}

TEST(ProductFamily, IsTheSumOfItsBlocks) {
  auto gauss = std::make_shared<MeanFieldGaussian>(2);
  auto bern = std::make_shared<BernoulliFamily>(2);
  auto cat = std::make_shared<CategoricalFamily>(1, 3);
  ProductFamily q({gauss, bern, cat});
  randomise(q, 14);
  EXPECT_EQ(q.dim(), 7);
  EXPECT_EQ(q.num_factors(), 5);
  EXPECT_FALSE(q.has_rsample());
  EXPECT_TRUE(q.has_entropy());
  auto gen = make_generator(15);
  auto theta = q.sample(5, gen);
  auto expected = gauss->log_prob(theta.narrow(1, 0, 2)) + bern->log_prob(theta.narrow(1, 2, 2)) +
                  cat->log_prob(theta.narrow(1, 4, 3));
  EXPECT_TRUE(torch::allclose(q.log_prob(theta), expected, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(q.log_prob_factors(theta).sum(1), expected, 1e-12, 1e-12));
  EXPECT_NEAR(q.entropy().item<double>(),
              (gauss->entropy() + bern->entropy() + cat->entropy()).item<double>(), 1e-12);
  EXPECT_EQ(q.factor_coordinates(),
            (std::vector<std::vector<int64_t>>{{0}, {1}, {2}, {3}, {4, 5, 6}}));
  auto factors = q.parameter_factors();
  ASSERT_EQ(factors.size(), 4u);  // loc, log_scale, bernoulli logits, categorical logits
  EXPECT_TRUE(torch::equal(factors[2], torch::tensor({2, 3}, torch::kLong)));
  EXPECT_TRUE(torch::equal(factors[3], torch::full({1, 3}, 4, torch::kLong)));
  expect_scores_match_autograd(q, theta);
  auto clone = q.clone_family();
  EXPECT_TRUE(torch::allclose(clone->log_prob(theta), q.log_prob(theta)));
  auto mean = q.mean();
  EXPECT_TRUE(torch::allclose(mean.narrow(0, 4, 3), cat->mean()));
  EXPECT_EQ(q.covariance().sizes(), (std::vector<int64_t>{7, 7}));
  auto relaxed = q.rsample_relaxed(3, 0.5, false, gen);
  EXPECT_EQ(relaxed.sizes(), (std::vector<int64_t>{3, 7}));
  EXPECT_THROW(ProductFamily({}), ConfigError);
}

}  // namespace
}  // namespace elbo::family
