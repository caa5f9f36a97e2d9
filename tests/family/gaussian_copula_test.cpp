// GaussianCopula: with Gaussian marginals it is N(μ, diag(σ) R diag(σ)) (log
// density and entropy against the explicit formula); with sinh-arcsinh
// marginals its density is the Gaussian copula density times Jones & Pewsey's
// (2009) marginal densities, it integrates to one on a grid, and its draws
// match mean() and covariance() (Gauss–Hermite quadrature).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/gaussian_copula.hpp"

namespace elbo::family {
namespace {

using torch::kDouble;

std::shared_ptr<GaussianCopula> random_copula(int64_t D, CopulaMarginal marginal, uint64_t seed) {
  auto q = std::make_shared<GaussianCopula>(D, GaussianCopulaOptions().marginal(marginal));
  auto gen = make_generator(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : q->parameters()) p.copy_(0.4 * torch::randn(p.sizes(), gen, p.options()));
  q->corr_raw.mul_(2.0);
  return q;
}

at::Tensor copula_mvn_log_density(const at::Tensor& x, const at::Tensor& mu, const at::Tensor& cov) {
  auto d = x - mu;
  auto maha = (d.matmul(torch::inverse(cov)) * d).sum(1);
  return -0.5 * (maha + torch::logdet(cov) + mu.size(0) * kLog2Pi);
}

TEST(GaussianCopula, CorrelationFactorHasUnitRows) {
  auto q = random_copula(4, CopulaMarginal::gaussian, 1);
  auto L = q->correlation_cholesky().detach();
  EXPECT_TRUE(torch::allclose(L.square().sum(1), torch::ones({4}, kDouble), 0, 1e-12));
  EXPECT_TRUE(torch::allclose(L, L.tril(), 0, 0));
  EXPECT_GT(L.diagonal().min().item<double>(), 0.0);
  EXPECT_TRUE(torch::allclose(q->correlation().diagonal(), torch::ones({4}, kDouble), 0, 1e-12));
}

TEST(GaussianCopula, GaussianMarginalsGiveTheGaussianWithThatCorrelation) {
  const int64_t D = 3;
  auto q = random_copula(D, CopulaMarginal::gaussian, 2);
  auto sigma = q->log_scale.detach().exp();
  auto cov = sigma.unsqueeze(1) * q->correlation() * sigma.unsqueeze(0);
  EXPECT_TRUE(torch::allclose(q->covariance(), cov, 0, 1e-12));
  EXPECT_TRUE(torch::allclose(q->mean(), q->loc.detach(), 0, 0));
  auto gen = make_generator(3);
  auto theta = torch::randn({5, D}, gen, kDouble);
  EXPECT_TRUE(torch::allclose(q->log_prob(theta).detach(), copula_mvn_log_density(theta, q->loc.detach(), cov),
                              0, 1e-10));
  EXPECT_TRUE(q->has_entropy());
  EXPECT_NEAR(q->entropy().item<double>(),
              0.5 * (D * (1 + kLog2Pi) + torch::logdet(cov).item<double>()), 1e-10);
}

// Jones & Pewsey (2009) eq. (2) with location μ and scale σ:
// f(θ) = δ C(x) φ(S(x)) / (σ √(1 + x²)), x = (θ − μ)/σ, S = sinh(δ asinh x − ε), C = cosh(…);
// Gaussian copula density c = N_R(z) / Π φ(z_d) at z_d = S(x_d).
TEST(GaussianCopula, SinhArcsinhDensityIsCopulaTimesMarginals) {
  const int64_t D = 3;
  auto q = random_copula(D, CopulaMarginal::sinh_arcsinh, 4);
  EXPECT_FALSE(q->has_entropy());
  EXPECT_THROW(q->entropy(), DomainError);
  auto gen = make_generator(5);
  auto theta = 1.5 * torch::randn({7, D}, gen, kDouble);
  torch::NoGradGuard no_grad;
  auto mu = q->loc, sigma = q->log_scale.exp(), eps = q->skew, delta = q->log_tail.exp();
  auto x = (theta - mu) / sigma;
  auto inner = delta * torch::asinh(x) - eps;
  auto S = torch::sinh(inner);
  auto log_phi = -0.5 * S.square() - 0.5 * kLog2Pi;
  auto log_marginal = torch::log(delta * torch::cosh(inner)) + log_phi - torch::log(sigma) -
                      0.5 * torch::log(1 + x.square());
  auto log_copula = copula_mvn_log_density(S, torch::zeros({D}, kDouble), q->correlation()) - log_phi.sum(1);
  EXPECT_TRUE(torch::allclose(q->log_prob(theta), log_copula + log_marginal.sum(1), 0, 1e-10));
}

TEST(GaussianCopula, SinhArcsinhDensityIntegratesToOne) {
  GaussianCopula q(2);
  {
    torch::NoGradGuard no_grad;
    q.loc.copy_(torch::tensor({0.5, -1.0}, kDouble));
    q.log_scale.copy_(torch::tensor({0.0, -0.3}, kDouble));
    q.corr_raw[1][0] = 0.75;  // R_12 = 0.6
    q.skew.copy_(torch::tensor({0.4, -0.6}, kDouble));
    q.log_tail.copy_(torch::tensor({std::log(0.8), std::log(1.3)}, kDouble));
  }
  EXPECT_NEAR(q.correlation()[0][1].item<double>(), 0.6, 1e-12);
  const double h = 0.04;
  auto grid = torch::arange(-14.0, 14.0, h, kDouble);
  auto mesh = torch::meshgrid({grid, grid}, "ij");
  auto theta = torch::stack({mesh[0].reshape(-1), mesh[1].reshape(-1)}, 1);
  torch::NoGradGuard no_grad;
  const double mass = q.log_prob(theta).exp().sum().item<double>() * h * h;
  EXPECT_NEAR(mass, 1.0, 2e-3);
}

TEST(GaussianCopula, DrawsMatchQuadratureMoments) {
  const int64_t D = 3, S = 100000;
  auto q = random_copula(D, CopulaMarginal::sinh_arcsinh, 6);
  {
    torch::NoGradGuard no_grad;
    q->log_tail.clamp_(-0.3, 0.5);  // finite fourth moments for the test's standard errors
  }
  auto gen = make_generator(7);
  auto draws = q->sample(S, gen);
  auto mu = q->mean(), cov = q->covariance();
  auto sd = cov.diagonal().sqrt();
  EXPECT_LT(((draws.mean(0) - mu) / (sd / std::sqrt(double(S)))).abs().max().item<double>(), 4.5);
  auto centred = draws - draws.mean(0);
  auto sample_cov = centred.t().matmul(centred) / (S - 1);
  // Standard errors of the covariance entries from the draws' own fourth moments.
  auto prod = centred.unsqueeze(2) * centred.unsqueeze(1);  // [S, D, D]
  auto se = prod.std(0) / std::sqrt(double(S));
  EXPECT_LT(((sample_cov - cov) / se).abs().max().item<double>(), 4.5);
  EXPECT_GT((cov - torch::diag(cov.diagonal())).abs().max().item<double>(), 0.05);
}

TEST(GaussianCopula, RejectsBadInput) {
  GaussianCopula q(2);
  EXPECT_THROW(q.log_prob(torch::zeros({3, 3}, kDouble)), DomainError);
  EXPECT_THROW(q.initialize(torch::zeros({3}, kDouble)), DomainError);
  EXPECT_THROW(GaussianCopula(0), ConfigError);
}

}  // namespace
}  // namespace elbo::family
