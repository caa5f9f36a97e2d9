// Sample moments under a fixed seed: the mean and variance of 20000 draws lie
// within 5 Monte-Carlo standard errors of the analytic values (standard error
// of the mean sqrt(var/n); of the variance sqrt((m4 − s⁴)/n) with the sample
// fourth central moment m4). Parameters are batched so each batch element is
// checked separately. Also: draws are reproducible from the generator alone.
#include <gtest/gtest.h>

#include <functional>

#include "double_tensor.hpp"
#include "reference.hpp"

namespace elbo::dist {
namespace {

constexpr int64_t kMomentDraws = 20000;
constexpr double kSigmas = 5.0;

using test_helpers::t;

// draws [n, ...]: checks every component of the batch (and event).
void expect_moments(const Distribution& d, uint64_t seed) {
  auto x = d.sample({kMomentDraws}, make_generator(seed)).to(torch::kDouble);
  const double n = static_cast<double>(kMomentDraws);
  auto mean = x.mean(0);
  auto centred = x - mean;
  auto var = centred.square().mean(0);
  auto m4 = centred.pow(4).mean(0);
  auto true_mean = d.mean().expand_as(mean);
  auto true_var = d.variance().expand_as(var);
  auto se_mean = (true_var / n).sqrt();
  auto se_var = ((m4 - var.square()).clamp_min(0) / n).sqrt();
  auto z_mean = ((mean - true_mean) / se_mean).abs();
  auto z_var = ((var - true_var) / se_var).abs();
  EXPECT_TRUE((z_mean < kSigmas).all().item<bool>())
      << d.name() << " sample mean " << mean << " vs " << true_mean << " (z " << z_mean << ")";
  EXPECT_TRUE((z_var < kSigmas).all().item<bool>())
      << d.name() << " sample variance " << var << " vs " << true_var << " (z " << z_var << ")";
}

TEST(SampleMoments, Continuous) {
  expect_moments(Normal(t({-1.0, 0.0, 3.0}), t({0.5, 1.0, 4.0})), 1);
  expect_moments(LogNormal(t({0.0, 1.0}), t({0.25, 0.4})), 2);
  expect_moments(HalfNormal(t({0.5, 2.0})), 3);
  expect_moments(StudentT(t({10.0, 30.0}), t({1.0, -2.0}), t({2.0, 0.5})), 4);
  expect_moments(Gamma(t({0.3, 1.0, 7.5}), t({1.0, 2.0, 0.5})), 5);
  expect_moments(InverseGamma(t({7.0, 12.0}), t({2.0, 1.0})), 6);
  expect_moments(Beta(t({0.5, 2.0, 8.0}), t({0.5, 5.0, 1.5})), 7);
  expect_moments(Exponential(t({0.5, 3.0})), 8);
}

TEST(SampleMoments, Discrete) {
  expect_moments(Bernoulli(t({-3.0, 0.0, 1.5})), 11);
  expect_moments(Bernoulli::from_probs(t({0.02, 0.7})), 12);
  expect_moments(Binomial(t({1.0, 10.0, 50.0}), t({0.3, -1.0, 2.0})), 13);
  expect_moments(Poisson(t({0.3, 4.0, 60.0})), 14);
}

TEST(SampleMoments, Multivariate) {
  expect_moments(Dirichlet(t({0.5, 2.0, 4.0})), 21);
  auto tril = t({1.0, 0.0, 0.0, 0.6, 0.5, 0.0, -1.0, 0.3, 2.0}).reshape({3, 3});
  MultivariateNormal mvn(t({1.0, -2.0, 0.5}), tril);
  expect_moments(mvn, 22);
  LowRankMultivariateNormal low_rank(t({0.0, 1.0, 2.0, 3.0}),
                                     t({1.0, 0.5, -1.0, 0.0, 0.3, 2.0, 0.0, 1.0}).reshape({4, 2}),
                                     t({0.5, 1.0, 0.1, 2.0}));
  expect_moments(low_rank, 23);
  expect_moments(Independent(Normal(t({0.0, 5.0}), t({1.0, 0.1})), 1), 24);
}

// Cross-covariances too: the sample covariance matrix of the Gaussians.
TEST(SampleMoments, GaussianCovarianceMatrices) {
  auto tril = t({1.0, 0.0, 0.0, 0.6, 0.5, 0.0, -1.0, 0.3, 2.0}).reshape({3, 3});
  MultivariateNormal mvn(torch::zeros({3}, torch::kDouble), tril);
  LowRankMultivariateNormal low_rank(torch::zeros({3}, torch::kDouble),
                                     t({1.0, 0.5, -1.0, 0.0, 0.3, 2.0}).reshape({3, 2}),
                                     t({0.5, 1.0, 0.1}));
  for (auto [d, cov] : {std::pair<const Distribution*, at::Tensor>{&mvn, mvn.covariance_matrix()},
                        {&low_rank, low_rank.covariance_matrix()}}) {
    auto x = d->sample({kMomentDraws}, make_generator(31));
    auto sample_cov = x.t().matmul(x) / static_cast<double>(kMomentDraws);  // zero mean known
    // Var(x_i x_j) = Σ_ii Σ_jj + Σ_ij² for a Gaussian.
    auto diag = cov.diagonal();
    auto se = ((diag.unsqueeze(0) * diag.unsqueeze(1) + cov.square()) / kMomentDraws).sqrt();
    EXPECT_TRUE((((sample_cov - cov) / se).abs() < kSigmas).all().item<bool>())
        << d->name() << "\n" << sample_cov << "\nvs\n" << cov;
  }
}

TEST(SampleMoments, CauchyQuartiles) {
  // P(|X − μ| < σ) = ½ for a Cauchy; binomial standard error √(¼/n).
  Cauchy d(t({2.0, -1.0}), t({0.5, 3.0}));
  auto x = d.sample({kMomentDraws}, make_generator(41));
  auto inside = ((x - d.loc()).abs() < d.scale()).to(torch::kDouble).mean(0);
  auto z = ((inside - 0.5) / std::sqrt(0.25 / kMomentDraws)).abs();
  EXPECT_TRUE((z < kSigmas).all().item<bool>()) << inside;
}

TEST(SampleMoments, CategoricalFrequencies) {
  auto probs = t({0.1, 0.0, 0.6, 0.3, 0.2, 0.2, 0.5, 0.1}).reshape({2, 4});
  auto d = Categorical::from_probs(probs);
  auto x = d.sample({kMomentDraws}, make_generator(51));
  ASSERT_EQ(x.scalar_type(), torch::kLong);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{kMomentDraws, 2}));
  auto freq = torch::one_hot(x, 4).to(torch::kDouble).mean(0);  // [2, 4]
  auto se = (probs * (1 - probs) / kMomentDraws).sqrt().clamp_min(1e-12);
  EXPECT_TRUE((((freq - probs) / se).abs() < kSigmas).all().item<bool>()) << freq;
  EXPECT_EQ(freq.index({0, 1}).item<double>(), 0.0);  // an impossible class is never drawn
}

TEST(Sampling, ReproducibleFromTheGeneratorAlone) {
  std::vector<std::shared_ptr<Distribution>> dists = {
      std::make_shared<Normal>(0.0, 1.0),       std::make_shared<Gamma>(2.0, 1.0),
      std::make_shared<Beta>(2.0, 3.0),         std::make_shared<Poisson>(3.0),
      std::make_shared<Binomial>(10, 0.0),      std::make_shared<Bernoulli>(0.3),
      std::make_shared<StudentT>(4.0),          std::make_shared<Cauchy>(0.0, 1.0),
      std::make_shared<Exponential>(1.0),       std::make_shared<Dirichlet>(t({1.0, 2.0})),
      std::make_shared<Categorical>(t({0.0, 1.0, 2.0})),
  };
  for (const auto& d : dists) {
    auto a = d->sample({50}, make_generator(7));
    torch::manual_seed(999);  // the global generator must not matter
    auto b = d->sample({50}, make_generator(7));
    auto c = d->sample({50}, make_generator(8));
    EXPECT_TRUE(torch::equal(a, b)) << d->name();
    EXPECT_FALSE(torch::equal(a, c)) << d->name();
  }
}

}  // namespace
}  // namespace elbo::dist
