// HierarchicalFamily: with fixed scales q(θ) = N(m, L Lᵀ + diag σ²) (log_prob and
// moments from the definition); the auxiliary log q equals log q(θ) draw by draw
// when r is the exact Gaussian conditional q(ν | θ) and exceeds it on average
// otherwise (E KL(q(ν|θ) ‖ r) ≥ 0); with random scales the importance-sampled
// log q matches a 2-D quadrature of ∫ q(θ|ν) q(ν) dν and the draws match the
// log-normal moment formulas.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/hierarchical_family.hpp"

namespace elbo::family {
namespace {

using torch::kDouble;

at::Tensor hierarchical_mvn_log_density(const at::Tensor& x, const at::Tensor& mu, const at::Tensor& cov) {
  auto d = x - mu;
  auto maha = (d.matmul(torch::inverse(cov)) * d).sum(1);
  return -0.5 * (maha + torch::logdet(cov) + mu.size(0) * kLog2Pi);
}

std::shared_ptr<HierarchicalFamily> random_hierarchical(int64_t D, bool random_scale, uint64_t seed) {
  auto q = std::make_shared<HierarchicalFamily>(
      D, HierarchicalFamilyOptions().random_scale(random_scale).log_prob_draws(4096));
  auto gen = make_generator(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : q->parameters()) p.add_(0.3 * torch::randn(p.sizes(), gen, p.options()));
  return q;
}

TEST(HierarchicalFamily, FixedScalesGiveTheGaussianMarginal) {
  const int64_t D = 3;
  auto q = random_hierarchical(D, false, 1);
  EXPECT_EQ(q->nu_dim(), D);
  auto L = q->prior_scale_tril().detach();
  auto cov = L.matmul(L.t()) + torch::diag(torch::exp(2 * q->log_sigma.detach()));
  EXPECT_TRUE(torch::allclose(q->covariance(), cov, 0, 1e-12));
  EXPECT_TRUE(torch::allclose(q->mean(), q->prior_loc.detach(), 0, 0));
  auto gen = make_generator(2);
  auto theta = torch::randn({6, D}, gen, kDouble);
  EXPECT_TRUE(torch::allclose(q->log_prob(theta).detach(),
                              hierarchical_mvn_log_density(theta, q->prior_loc.detach(), cov), 0, 1e-10));
  const int64_t S = 50000;
  auto draws = q->sample(S, gen);
  auto sd = cov.diagonal().sqrt();
  EXPECT_LT(((draws.mean(0) - q->mean()) / (sd / std::sqrt(double(S)))).abs().max().item<double>(),
            4.5);
  auto centred = draws - draws.mean(0);
  auto sample_cov = centred.t().matmul(centred) / (S - 1);
  auto se = ((cov.diagonal().unsqueeze(1) * cov.diagonal().unsqueeze(0) + cov.square()) / S).sqrt();
  EXPECT_LT(((sample_cov - cov) / se).abs().max().item<double>(), 4.5);
}

TEST(HierarchicalFamily, AuxiliaryLogQIsExactWithTheExactReverseModel) {
  const int64_t D = 2;
  auto q = random_hierarchical(D, false, 3);
  auto gen = make_generator(4);
  {
    // Default r (= q(ν), ignoring θ): E[log q_aux − log q(θ)] = E KL(q(ν|θ) ‖ r) > 0.
    auto draws = q->rsample_weighted(20000, gen);
    auto gap = (draws.log_q - q->log_prob(draws.theta)).detach();
    EXPECT_GT(gap.mean().item<double>(), 5 * gap.std().item<double>() / std::sqrt(20000.0));
    EXPECT_NEAR(draws.weight.sum().item<double>(), 1.0, 1e-12);
  }
  {
    // ν | θ ~ N(m + A(θ − m), S − A S), A = S (S + diag σ²)⁻¹, S = L Lᵀ.
    torch::NoGradGuard no_grad;
    auto L = q->prior_scale_tril();
    auto S = L.matmul(L.t());
    auto A = S.matmul(torch::inverse(S + torch::diag(torch::exp(2 * q->log_sigma))));
    auto C = torch::linalg_cholesky(S - A.matmul(S));
    q->reverse_weight.copy_(A);
    q->reverse_loc.copy_(q->prior_loc - A.matmul(q->prior_loc));
    q->reverse_tril_raw.copy_(C.tril(-1));
    q->reverse_log_diag.copy_(C.diagonal().log());
  }
  auto draws = q->rsample_weighted(50, gen);
  EXPECT_TRUE(torch::allclose(draws.log_q.detach(), q->log_prob(draws.theta).detach(), 0, 1e-9));
}

// log ∫ q(θ|ν) q(ν) dν for D = 1 (ν = (μ, log σ)) by the trapezoid rule on a grid.
double log_marginal_by_quadrature(HierarchicalFamily& q, double theta) {
  torch::NoGradGuard no_grad;
  auto L = q.prior_scale_tril();
  auto m = q.prior_loc;
  const double h = 0.025;
  auto grid = torch::arange(-8.0, 8.0 + h / 2, h, kDouble);  // standardised ν coordinates
  auto mesh = torch::meshgrid({grid, grid}, "ij");
  auto eps = torch::stack({mesh[0].reshape(-1), mesh[1].reshape(-1)}, 1);
  auto nu = m + eps.matmul(L.t());
  auto mu = nu.select(1, 0), log_s = nu.select(1, 1);
  auto log_lik = -0.5 * ((theta - mu) / log_s.exp()).square() - log_s - 0.5 * kLog2Pi;
  auto log_std_normal = -0.5 * eps.square().sum(1) - kLog2Pi;  // density of ε
  return (torch::logsumexp(log_lik + log_std_normal, 0) + 2 * std::log(h)).item<double>();
}

TEST(HierarchicalFamily, RandomScalesImportanceSampledLogProbMatchesQuadrature) {
  auto q = random_hierarchical(1, true, 5);
  {
    torch::NoGradGuard no_grad;
    q->prior_log_diag.fill_(std::log(0.5));
    q->prior_tril_raw[1][0] = 0.3;  // means and log-scales correlated: skewed q(θ)
    // A proposal r(ν | θ) that depends on θ but stays close to q(ν).
    q->reverse_loc.copy_(q->prior_loc);
    q->reverse_tril_raw.copy_(q->prior_tril_raw);
    q->reverse_log_diag.copy_(q->prior_log_diag + 0.2);
    q->reverse_weight.fill_(0.0);
    q->reverse_weight[0][0] = 0.1;
  }
  EXPECT_EQ(q->nu_dim(), 2);
  auto theta = torch::tensor({{-1.5}, {0.0}, {0.7}, {2.5}}, kDouble);
  auto estimate = q->log_prob(theta).detach();
  for (int64_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(estimate[k].item<double>(),
                log_marginal_by_quadrature(*q, theta[k][0].item<double>()), 0.03)
        << theta[k][0].item<double>();
  }
  // Same seed every call: log_prob is a deterministic function.
  EXPECT_TRUE(torch::equal(q->log_prob(theta).detach(), estimate));
}

TEST(HierarchicalFamily, RandomScalesDrawsMatchLogNormalMoments) {
  const int64_t D = 2, S = 100000;
  auto q = random_hierarchical(D, true, 6);
  {
    torch::NoGradGuard no_grad;
    q->prior_log_diag.clamp_(-3.0, std::log(0.4));
  }
  auto gen = make_generator(7);
  auto draws = q->sample(S, gen);
  auto mu = q->mean(), cov = q->covariance();
  auto sd = cov.diagonal().sqrt();
  EXPECT_LT(((draws.mean(0) - mu) / (sd / std::sqrt(double(S)))).abs().max().item<double>(), 4.5);
  auto centred = draws - draws.mean(0);
  auto sample_cov = centred.t().matmul(centred) / (S - 1);
  auto se = (centred.unsqueeze(2) * centred.unsqueeze(1)).std(0) / std::sqrt(double(S));
  EXPECT_LT(((sample_cov - cov) / se).abs().max().item<double>(), 4.5);
}

TEST(HierarchicalFamily, RejectsBadInput) {
  HierarchicalFamily q(2);
  EXPECT_THROW(q.log_prob(torch::zeros({3, 3}, kDouble)), DomainError);
  EXPECT_THROW(q.initialize(torch::zeros({1}, kDouble)), DomainError);
  EXPECT_THROW(HierarchicalFamily(2, HierarchicalFamilyOptions().log_prob_draws(0)), ConfigError);
  EXPECT_THROW(q.log_prob_stop_gradient(torch::zeros({3, 2}, kDouble)), DomainError);
  HierarchicalFamily fixed(2, HierarchicalFamilyOptions().random_scale(false));
  auto theta = torch::ones({3, 2}, kDouble);
  auto stop = fixed.log_prob_stop_gradient(theta);
  EXPECT_TRUE(torch::allclose(stop, fixed.log_prob(theta).detach(), 0, 1e-12));
  EXPECT_FALSE(stop.requires_grad());
}

}  // namespace
}  // namespace elbo::family
