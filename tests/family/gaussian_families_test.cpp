// The Gaussian families against the explicit multivariate-normal formulas
// evaluated from their own covariance(): log density, entropy, draw moments,
// and reparameterisation gradients against central finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/low_rank_gaussian.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/family/mean_field_gaussian.hpp"

namespace elbo::family {
namespace {


// Random, non-trivial parameters for any family.
FamilyPtr random_gaussian(const std::string& spec, int64_t dim, uint64_t seed) {
  auto q = make_family(spec, dim, seed);
  auto gen = make_generator(seed + 100);
  torch::NoGradGuard no_grad;
  for (auto& p : q->parameters()) p.copy_(0.4 * torch::randn(p.sizes(), gen, p.options()));
  return q;
}

// log N(θ | μ, Σ) from the definition: −½[(θ−μ)ᵀΣ⁻¹(θ−μ) + log|Σ| + D log 2π].
at::Tensor gaussian_mvn_log_density(const at::Tensor& theta, const at::Tensor& mu, const at::Tensor& cov) {
  auto diff = theta - mu;
  auto maha = (diff.matmul(torch::inverse(cov)) * diff).sum(1);
  return -0.5 * (maha + torch::logdet(cov) + mu.size(0) * kLog2Pi);
}

class GaussianFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(GaussianFamily, LogProbAndEntropyMatchExplicitGaussian) {
  const int64_t D = 5;
  auto q = random_gaussian(GetParam(), D, 1);
  auto gen = make_generator(2);
  auto theta = torch::randn({7, D}, gen, torch::kDouble);
  auto mu = q->mean(), cov = q->covariance();
  auto expected = gaussian_mvn_log_density(theta, mu, cov);
  EXPECT_TRUE(torch::allclose(q->log_prob(theta).detach(), expected, 1e-10, 1e-10)) << GetParam();
  const double entropy = 0.5 * (D * (1 + kLog2Pi) + torch::logdet(cov).item<double>());
  EXPECT_NEAR(q->entropy().item<double>(), entropy, 1e-10);
}

TEST_P(GaussianFamily, DrawMomentsMatchMeanAndCovariance) {
  const int64_t D = 4, S = 40000;
  auto q = random_gaussian(GetParam(), D, 3);
  auto gen = make_generator(4);
  auto draws = q->sample(S, gen);
  auto mu = q->mean(), cov = q->covariance();
  auto sd = cov.diagonal().sqrt();
  // Mean within 4.5 Monte-Carlo standard errors.
  auto z = ((draws.mean(0) - mu) / (sd / std::sqrt(double(S)))).abs();
  EXPECT_LT(z.max().item<double>(), 4.5);
  auto centred = draws - draws.mean(0);
  auto sample_cov = centred.t().matmul(centred) / (S - 1);
  // Covariance entries: se ≈ sqrt((σ_ii σ_jj + σ_ij²)/S).
  auto se = ((cov.diagonal().unsqueeze(1) * cov.diagonal().unsqueeze(0) + cov.square()) / S).sqrt();
  EXPECT_LT(((sample_cov - cov) / se).abs().max().item<double>(), 4.5);
}

TEST_P(GaussianFamily, ReparameterisationGradientMatchesFiniteDifferences) {
  // f(λ) = E_ε[Σ sin(θ) + θ²/2] with θ = T_λ(ε) and ε fixed by the seed.
  const int64_t D = 3;
  auto q = random_gaussian(GetParam(), D, 5);
  auto objective = [&]() {
    auto gen = make_generator(6);
    auto theta = q->rsample(64, gen);
    return (theta.sin() + 0.5 * theta.square()).sum(1).mean();
  };
  auto value = objective();
  value.backward();
  const double h = 1e-6;
  for (auto& p : q->parameters()) {
    auto grad = p.grad().clone();
    auto flat = p.detach().view({-1});
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double old = flat[i].item<double>();
      double plus, minus;
      {
        torch::NoGradGuard no_grad;
        flat[i] = old + h;
        plus = objective().item<double>();
        flat[i] = old - h;
        minus = objective().item<double>();
        flat[i] = old;
      }
      EXPECT_NEAR(grad.view({-1})[i].item<double>(), (plus - minus) / (2 * h), 1e-6)
          << GetParam() << " parameter element " << i;
    }
  }
}

TEST_P(GaussianFamily, StopGradientLogProbIsLogProbWithFrozenParameters) {
  // log q(θ; stop_grad(λ)) must equal log q(θ; λ) in value, and its gradient
  // must flow only through θ: compare with a parameter-frozen copy's log_prob,
  // both for θ straight from rsample and for θ computed from it.
  const int64_t D = 4;
  auto q = random_gaussian(GetParam(), D, 11);
  auto frozen = q->clone_family();
  for (auto& p : frozen->parameters()) p.set_requires_grad(false);
  auto w = torch::linspace(-1.0, 2.0, 6, torch::kDouble);
  for (bool own_draws : {true, false}) {
    auto grads = [&](bool stop_gradient) {
      auto gen = make_generator(12);
      auto theta = q->rsample(6, gen);
      if (!own_draws) theta = theta * 1.5 + 0.25;
      auto lq = stop_gradient ? q->log_prob_stop_gradient(theta) : frozen->log_prob(theta);
      EXPECT_TRUE(torch::allclose(lq.detach(), q->log_prob(theta.detach()).detach(), 1e-10, 1e-10))
          << GetParam();
      return torch::autograd::grad({(w * lq).sum()}, q->parameters());
    };
    auto a = grads(true), b = grads(false);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-10, 1e-10)) << GetParam() << " own " << own_draws;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, GaussianFamily,
                         ::testing::Values("meanfield", "fullrank", "lowrank:1", "lowrank:2"));

TEST(LowRankGaussian, CanonicalFactorGivesSameCovariance) {
  auto q = std::dynamic_pointer_cast<LowRankGaussian>(random_gaussian("lowrank:2", 4, 9));
  auto canonical = q->canonical_parameters();
  auto W = canonical[1];
  EXPECT_TRUE(torch::allclose(W.matmul(W.t()), q->factor.matmul(q->factor.t()).detach(), 1e-12, 1e-12));
  // Columns orthogonal.
  auto gram = W.t().matmul(W);
  EXPECT_NEAR(gram[0][1].item<double>(), 0.0, 1e-12);
}

TEST(MakeFamily, RejectsUnknownNamesAndBadRanks) {
  EXPECT_THROW(make_family("fullrankk", 3), ConfigError);
  EXPECT_THROW(make_family("lowrank:0", 3), ConfigError);
  EXPECT_THROW(make_family("lowrank:x", 3), ConfigError);
  EXPECT_THROW(make_family("lowrank:4", 3), ConfigError);
  EXPECT_EQ(make_family("lowrank:3", 3)->family_name(), "lowrank");
}

}  // namespace
}  // namespace elbo::family
