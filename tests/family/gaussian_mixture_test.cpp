// GaussianMixture against independent formulas: log q as the log of a direct
// sum of component densities written from the definition; stratified weighted
// draws as an unbiased estimate of E_q[θ²] (closed form Σ π_c (Σ_c,dd + μ_c,d²))
// whose gradient estimates the closed form's; draw moments against mean() and
// covariance(); the make_family specs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/gaussian_mixture.hpp"
#include "elbo/family/make_family.hpp"

namespace elbo::family {
namespace {

constexpr double kPi = 3.14159265358979323846;
using torch::kDouble;

std::shared_ptr<GaussianMixture> random_mixture(int64_t D, int64_t C, bool full, uint64_t seed) {
  auto q = std::make_shared<GaussianMixture>(D, C, GaussianMixtureOptions().full_rank(full));
  auto gen = make_generator(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : q->parameters()) p.copy_(0.5 * torch::randn(p.sizes(), gen, p.options()));
  q->loc.mul_(4.0);
  return q;
}

// Σ_c π_c (2π)^{−D/2} |Σ_c|^{−1/2} exp(−½ (θ−μ_c)ᵀ Σ_c⁻¹ (θ−μ_c)), one θ at a time.
double direct_density(GaussianMixture& q, const at::Tensor& theta) {
  torch::NoGradGuard no_grad;
  auto w = torch::exp(q.logits) / torch::exp(q.logits).sum();
  auto L = q.scale_tril();
  double total = 0.0;
  for (int64_t c = 0; c < q.num_components(); ++c) {
    auto cov = L[c].matmul(L[c].t());
    auto d = theta - q.loc[c];
    const double maha = d.dot(torch::inverse(cov).matmul(d)).item<double>();
    const double det = torch::det(cov).item<double>();
    total += w[c].item<double>() * std::exp(-0.5 * maha) /
             std::sqrt(std::pow(2 * kPi, static_cast<double>(q.dim())) * det);
  }
  return total;
}

TEST(GaussianMixture, LogProbIsTheLogOfTheSumOfComponentDensities) {
  for (bool full : {true, false}) {
    auto q = random_mixture(3, 4, full, 1);
    auto gen = make_generator(2);
    auto theta = 3.0 * torch::randn({6, 3}, gen, kDouble);
    auto log_q = q->log_prob(theta).detach();
    auto stop = q->log_prob_stop_gradient(theta);
    for (int64_t k = 0; k < 6; ++k) {
      EXPECT_NEAR(log_q[k].item<double>(), std::log(direct_density(*q, theta[k])), 1e-10) << full;
    }
    EXPECT_TRUE(torch::allclose(stop, log_q, 0, 1e-12));
    EXPECT_FALSE(stop.requires_grad());
  }
}

TEST(GaussianMixture, StratifiedWeightedDrawsEstimateSecondMomentWithoutBias) {
  for (bool full : {true, false}) {
    const int64_t D = 2, C = 3, K = 20000;
    auto q = random_mixture(D, C, full, 3);
    // Closed form: E[θ_d²] = Σ_c π_c (Σ_c,dd + μ_c,d²) (differentiable in λ).
    auto L = q->scale_tril();
    auto second = (L.square().sum(2) + q->loc.square());  // [C, D]: Σ_c,dd + μ²
    auto exact = (q->weights().unsqueeze(1) * second).sum();
    auto exact_grads = torch::autograd::grad({exact}, q->parameters(), {}, false, false, true);

    auto gen = make_generator(4);
    auto draws = q->rsample_weighted(K, gen);
    ASSERT_EQ(draws.theta.size(0), C * K);
    EXPECT_NEAR(draws.weight.sum().item<double>(), 1.0, 1e-12);
    auto estimate = (draws.weight * draws.theta.square().sum(1)).sum();
    // Standard error from the within-component variances: Σ_c π_c² Var_c(f) / K.
    auto f = draws.theta.square().sum(1).detach().view({C, K});
    auto pi = q->weights().detach();
    const double se = std::sqrt((pi.square() * f.var(1)).sum().item<double>() / K);
    EXPECT_NEAR(estimate.item<double>(), exact.item<double>(), 4.5 * se) << full;
    auto grads = torch::autograd::grad({estimate}, q->parameters(), {}, false, false, true);
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!exact_grads[i].defined()) continue;
      // Relative agreement of the gradient estimate (its MC error is ~1/√K).
      const double scale = exact_grads[i].abs().max().item<double>() + 1.0;
      EXPECT_LT((grads[i] - exact_grads[i]).abs().max().item<double>() / scale, 0.05)
          << full << " parameter " << i;
    }
    // log q of the weighted draws is log_prob at them.
    EXPECT_TRUE(torch::allclose(draws.log_q.detach(), q->log_prob(draws.theta).detach(), 0, 1e-12));
  }
}

TEST(GaussianMixture, DrawMomentsMatchMeanAndCovariance) {
  const int64_t D = 3, S = 60000;
  auto q = random_mixture(D, 3, true, 5);
  auto gen = make_generator(6);
  auto draws = q->sample(S, gen);
  auto mu = q->mean(), cov = q->covariance();
  // Mean and covariance from the definition, independently of the class.
  auto w = q->weights().detach();
  auto L = q->scale_tril().detach();
  auto mu_def = torch::zeros({D}, kDouble);
  auto second = torch::zeros({D, D}, kDouble);
  for (int64_t c = 0; c < 3; ++c) {
    mu_def += w[c] * q->loc[c].detach();
    second += w[c] * (L[c].matmul(L[c].t()) + torch::outer(q->loc[c].detach(), q->loc[c].detach()));
  }
  EXPECT_TRUE(torch::allclose(mu, mu_def, 0, 1e-12));
  EXPECT_TRUE(torch::allclose(cov, second - torch::outer(mu_def, mu_def), 0, 1e-12));
  auto sd = cov.diagonal().sqrt();
  EXPECT_LT(((draws.mean(0) - mu) / (sd / std::sqrt(double(S)))).abs().max().item<double>(), 4.5);
  auto centred = draws - draws.mean(0);
  auto sample_cov = centred.t().matmul(centred) / (S - 1);
  // Loose: a mixture's fourth moments exceed the Gaussian formula's.
  EXPECT_LT(((sample_cov - cov).abs() / cov.diagonal().max()).max().item<double>(), 0.05);
}

TEST(GaussianMixture, InitializeSpreadsTheComponentsAndSetComponentsRoundTrips) {
  GaussianMixture q(2, 5, GaussianMixtureOptions().spread(1.5));
  q.initialize(torch::tensor({1.0, -2.0}, kDouble));
  auto expected = torch::tensor({{2.5, -2.0}, {-0.5, -2.0}, {1.0, -0.5}, {1.0, -3.5}, {4.0, -2.0}},
                                kDouble);
  EXPECT_TRUE(torch::allclose(q.loc.detach(), expected, 0, 1e-12));
  EXPECT_TRUE(torch::allclose(q.weights().detach(), torch::full({5}, 0.2, kDouble), 0, 1e-12));

  auto loc = torch::tensor({{0.0, 1.0}, {2.0, 3.0}}, kDouble);
  auto L = torch::tensor({{{1.0, 0.0}, {0.5, 2.0}}, {{0.3, 0.0}, {-0.2, 0.7}}}, kDouble);
  GaussianMixture two(2, 2);
  two.set_components(loc, L, torch::tensor({1.0, 3.0}, kDouble));
  EXPECT_TRUE(torch::allclose(two.scale_tril().detach(), L, 0, 1e-12));
  EXPECT_TRUE(torch::allclose(two.weights().detach(), torch::tensor({0.25, 0.75}, kDouble), 0, 1e-12));
  EXPECT_THROW(two.set_components(loc, -L, torch::tensor({1.0, 3.0}, kDouble)), DomainError);
  EXPECT_THROW(two.set_components(loc, L, torch::tensor({0.0, 3.0}, kDouble)), DomainError);
  GaussianMixture diag(2, 2, GaussianMixtureOptions().full_rank(false));
  EXPECT_THROW(diag.set_components(loc, L, torch::tensor({1.0, 3.0}, kDouble)), DomainError);
  EXPECT_THROW(two.log_prob(torch::zeros({3, 4}, kDouble)), DomainError);
  EXPECT_THROW(GaussianMixture(2, 0), ConfigError);
}

TEST(GaussianMixture, MakeFamilySpecs) {
  auto five = std::dynamic_pointer_cast<GaussianMixture>(make_family("mixture:5", 3));
  ASSERT_TRUE(five);
  EXPECT_EQ(five->num_components(), 5);
  EXPECT_TRUE(five->full_rank());
  EXPECT_EQ(five->family_name(), "mixture:5");
  auto diag = std::dynamic_pointer_cast<GaussianMixture>(make_family("mixture:3:diag", 3));
  ASSERT_TRUE(diag);
  EXPECT_FALSE(diag->full_rank());
  EXPECT_EQ(diag->family_name(), "mixture:3:diag");
  EXPECT_EQ(make_family("mixture", 3)->family_name(), "mixture:2");
  EXPECT_EQ(make_family("copula", 3)->family_name(), "copula");
  EXPECT_EQ(make_family("copula:gaussian", 3)->family_name(), "copula:gaussian");
  EXPECT_EQ(make_family("hierarchical", 3)->family_name(), "hierarchical");
  EXPECT_EQ(make_family("hierarchical:mean", 3)->family_name(), "hierarchical:mean");
  for (const char* bad : {"mixture:0", "mixture:", "mixture:x", "mixture:2:full", "mixture5",
                          "mixture:-1", "copula:t", "hierarchical:x"}) {
    try {
      make_family(bad, 3);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("--family"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace elbo::family
