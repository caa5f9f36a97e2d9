// Model building blocks: log_mix (K-batched, against a direct computation),
// Stan's two-component log_mix, GP kernels (entries by hand), gp_cholesky
// (jitter, a NumericalError that ModelDensity turns into a dropped draw), and
// gradients by central differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/dist/multivariate_normal.hpp"
#include "elbo/model/gp.hpp"
#include "elbo/model/mixture.hpp"
#include "elbo/model/model_density.hpp"

namespace elbo::model {
namespace {

using torch::kDouble;

TEST(LogMix, MatchesADirectComputation) {
  auto weights = torch::softmax(torch::randn({4, 3}, kDouble), 1);  // [K, C]
  auto lp = torch::randn({4, 5, 3}, kDouble);                      // [K, N, C]
  auto got = log_mix(weights.log(), lp);
  ASSERT_EQ(got.sizes(), (at::IntArrayRef{4, 5}));
  for (int64_t k = 0; k < 4; ++k) {
    for (int64_t n = 0; n < 5; ++n) {
      double sum = 0;
      for (int64_t c = 0; c < 3; ++c) {
        sum += weights[k][c].item<double>() * std::exp(lp[k][n][c].item<double>());
      }
      EXPECT_NEAR(got[k][n].item<double>(), std::log(sum), 1e-12);
    }
  }
  // Shared weights [C], and [K, C] against [K, C].
  auto shared = torch::tensor({0.2, 0.3, 0.5}, kDouble);
  EXPECT_TRUE(torch::allclose(log_mix(shared.log(), lp),
                              torch::log((shared * lp.exp()).sum(-1)), 1e-12, 1e-12));
  auto lp2 = torch::randn({4, 3}, kDouble);
  EXPECT_TRUE(torch::allclose(log_mix(weights.log(), lp2),
                              torch::log((weights * lp2.exp()).sum(-1)), 1e-12, 1e-12));
  // A zero weight is fine; large log densities do not overflow.
  auto big = torch::tensor({{1000.0, 1001.0}}, kDouble);
  auto w = torch::tensor({{0.0, 1.0}}, kDouble);
  EXPECT_NEAR(log_mix(w.log(), big)[0].item<double>(), 1001.0, 1e-12);
  EXPECT_THROW(log_mix(shared.log(), torch::zeros({4, 2}, kDouble)), DomainError);
}

TEST(LogMix, TwoComponentsAsInStan) {
  auto theta = torch::tensor({0.25, 0.9}, kDouble);  // [K]
  auto lp1 = torch::tensor({{-1.0, -2.0, 0.5}, {0.0, -3.0, 1.0}}, kDouble);
  auto lp2 = torch::tensor({{-0.5, -1.0, -4.0}, {-2.0, 0.0, 2.0}}, kDouble);
  auto got = log_mix(theta, lp1, lp2);
  ASSERT_EQ(got.sizes(), (at::IntArrayRef{2, 3}));
  for (int64_t k = 0; k < 2; ++k) {
    const double t = theta[k].item<double>();
    for (int64_t n = 0; n < 3; ++n) {
      const double expected = std::log(t * std::exp(lp1[k][n].item<double>()) +
                                       (1 - t) * std::exp(lp2[k][n].item<double>()));
      EXPECT_NEAR(got[k][n].item<double>(), expected, 1e-12);
    }
  }
  EXPECT_NEAR(log_sum_exp(torch::tensor({0.0, std::log(3.0)}, kDouble)).item<double>(),
              std::log(4.0), 1e-15);
}

TEST(LogMix, GradientMatchesFiniteDifferences) {
  // d/dθ of Σ_n log_mix(θ, lp1, lp2) and d/d(log w) of log_mix(log w, lp).
  auto lp1 = torch::tensor({{-1.0, 0.3}}, kDouble), lp2 = torch::tensor({{0.2, -0.7}}, kDouble);
  auto f = [&](double t) {
    return log_mix(torch::tensor({t}, kDouble), lp1, lp2).sum().item<double>();
  };
  auto theta = torch::tensor({0.3}, kDouble).requires_grad_(true);
  log_mix(theta, lp1, lp2).sum().backward();
  const double h = 1e-6;
  EXPECT_NEAR(theta.grad()[0].item<double>(), (f(0.3 + h) - f(0.3 - h)) / (2 * h), 1e-8);
}

TEST(GpKernels, EntriesByHand) {
  auto x = torch::tensor({0.0, 1.0, 3.0}, kDouble);  // [N]
  auto alpha = torch::tensor({2.0, 0.5}, kDouble), rho = torch::tensor({1.0, 2.0}, kDouble);
  auto k = exp_quad_kernel(x, alpha, rho);
  ASSERT_EQ(k.sizes(), (at::IntArrayRef{2, 3, 3}));
  // d = 2 between x_2 and x_3: 4·exp(−4/2) for draw 0, 0.25·exp(−4/8) for draw 1.
  EXPECT_NEAR(k[0][1][2].item<double>(), 4 * std::exp(-2.0), 1e-14);
  EXPECT_NEAR(k[1][1][2].item<double>(), 0.25 * std::exp(-0.5), 1e-14);
  EXPECT_NEAR(k[0][0][0].item<double>(), 4.0, 1e-15);
  EXPECT_TRUE(torch::allclose(k, k.transpose(1, 2)));

  const double d = 3.0, r = 2.0, s3 = std::sqrt(3.0) * d / r, s5 = std::sqrt(5.0) * d / r;
  auto m32 = matern32_kernel(x, alpha, rho);
  EXPECT_NEAR(m32[1][0][2].item<double>(), 0.25 * (1 + s3) * std::exp(-s3), 1e-14);
  EXPECT_NEAR(m32[1][1][1].item<double>(), 0.25, 1e-15);
  auto m52 = matern52_kernel(x, alpha, rho);
  EXPECT_NEAR(m52[1][0][2].item<double>(),
              0.25 * (1 + s5 + 5 * d * d / (3 * r * r)) * std::exp(-s5), 1e-14);
  auto per = periodic_kernel(x, alpha, rho, 2.5);
  EXPECT_NEAR(per[0][0][2].item<double>(),
              4 * std::exp(-2 * std::pow(std::sin(M_PI * 3 / 2.5), 2) / 1.0), 1e-14);

  // [N, P] inputs: d² = 1 + 4 between (0, 0) and (1, 2); a cross-covariance [K, N1, N2].
  auto x2 = torch::tensor({{0.0, 0.0}, {1.0, 2.0}}, kDouble);
  auto cross = exp_quad_kernel(x2, x2.narrow(0, 1, 1), alpha, rho);
  ASSERT_EQ(cross.sizes(), (at::IntArrayRef{2, 2, 1}));
  EXPECT_NEAR(cross[0][0][0].item<double>(), 4 * std::exp(-5.0 / 2), 1e-14);
  // 0-dim hyperparameters give one matrix.
  EXPECT_EQ(exp_quad_kernel(x, torch::tensor(1.0, kDouble), torch::tensor(1.0, kDouble)).sizes(),
            (at::IntArrayRef{3, 3}));
}

TEST(GpKernels, GradientInTheLengthScaleMatchesFiniteDifferences) {
  auto x = torch::tensor({0.0, 0.7, 2.0}, kDouble);
  auto alpha = torch::tensor({1.3}, kDouble);
  using Kernel = at::Tensor (*)(const at::Tensor&, const at::Tensor&, const at::Tensor&);
  for (Kernel kernel : {static_cast<Kernel>(&matern32_kernel), static_cast<Kernel>(&matern52_kernel),
                        static_cast<Kernel>(&exp_quad_kernel)}) {
    auto f = [&](double r) {
      return (*kernel)(x, alpha, torch::tensor({r}, kDouble)).sum().item<double>();
    };
    auto rho = torch::tensor({0.8}, kDouble).requires_grad_(true);
    (*kernel)(x, alpha, rho).sum().backward();
    const double h = 1e-6;
    EXPECT_TRUE(std::isfinite(rho.grad()[0].item<double>()));
    EXPECT_NEAR(rho.grad()[0].item<double>(), (f(0.8 + h) - f(0.8 - h)) / (2 * h), 1e-7);
  }
}

TEST(GpCholesky, AddsJitterAndNamesTheFailingMatrix) {
  auto cov = torch::stack({torch::eye(2, kDouble), torch::ones({2, 2}, kDouble)});  // [2, 2, 2]
  // ones(2, 2) is singular: with jitter 1e-6 its factor is [[√(1+j), 0], [1/√(1+j), ...]].
  auto L = gp_cholesky(cov, 1e-6);
  EXPECT_TRUE(torch::allclose(L.matmul(L.transpose(1, 2)), cov + 1e-6 * torch::eye(2, kDouble),
                              1e-12, 1e-12));
  auto bad = torch::stack({torch::eye(2, kDouble), -torch::eye(2, kDouble)});
  try {
    gp_cholesky(bad, 1e-9);
    FAIL() << "no error";
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("matrix 1 (of 2) is not positive definite"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(gp_cholesky(torch::zeros({2, 3}, kDouble)), DomainError);
  EXPECT_THROW(gp_cholesky(cov, -1.0), DomainError);
}

// y ~ N(0, K(α, ρ) + σ² I) with σ = 0 and jitter 1e-9: a covariance that is
// numerically singular for long length scales, so some draws fail.
class TinyGp : public Model {
 public:
  std::string name() const override { return "tiny_gp"; }
  std::vector<Latent> latents() const override {
    return {{"alpha", {}, Constraint::positive()}, {"rho", {}, Constraint::positive()}};
  }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    auto x = torch::linspace(0, 1, 20, kDouble);
    auto y = torch::sin(6 * x);
    auto L = gp_cholesky(exp_quad_kernel(x, z["alpha"], z["rho"]), 1e-9);
    auto zero = torch::zeros({z.num_draws(), 20}, kDouble);
    return dist::MultivariateNormal(zero, L).log_prob(y) - z["alpha"] - z["rho"];
  }
};

TEST(GpCholesky, ANonPositiveDefiniteDrawIsDroppedByModelDensity) {
  ModelDensity density(std::make_shared<TinyGp>());
  // log ρ = −3 (short, well conditioned) and log ρ = 4, log α = 10 (ρ ≈ 55,
  // α² ≈ 5e8: rounding in K far above the jitter, not positive definite).
  auto theta = torch::tensor({{0.0, -3.0}, {10.0, 4.0}, {0.5, -2.5}}, kDouble);
  auto [lp, gradient] = density.log_prob_and_gradient(theta, density.all_data());
  EXPECT_TRUE(std::isfinite(lp[0].item<double>()));
  EXPECT_EQ(lp[1].item<double>(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isfinite(lp[2].item<double>()));
  EXPECT_TRUE(torch::isfinite(gradient).all().item<bool>());
}

}  // namespace
}  // namespace elbo::model
