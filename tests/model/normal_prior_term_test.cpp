// normal_prior_term: Σ log N(x | μ, σ) per draw as one autograd node — value
// against the closed form element by element, gradient and Hessian against
// central differences, and its argument checks.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/model/normal_prior_term.hpp"

namespace elbo::model {
namespace {

using torch::kDouble;

double normal_log_density(double x, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - 0.5 * std::log(2 * M_PI);
}

TEST(NormalPriorTerm, SumsTheLogDensityOverEachDrawsElements) {
  auto x = torch::randn({3, 2, 4}, kDouble);
  auto got = normal_prior_term(x, 0.5, 2.5);
  ASSERT_EQ(got.sizes(), (at::IntArrayRef{3}));
  for (int64_t k = 0; k < 3; ++k) {
    double sum = 0;
    for (int64_t i = 0; i < 2; ++i) {
      for (int64_t j = 0; j < 4; ++j) sum += normal_log_density(x[k][i][j].item<double>(), 0.5, 2.5);
    }
    EXPECT_NEAR(got[k].item<double>(), sum, 1e-12);
  }
  // One element per draw: x [K].
  auto scalar = torch::tensor({-1.0, 0.0, 3.0}, kDouble);
  auto one = normal_prior_term(scalar, 0.0, 1.0);
  for (int64_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(one[k].item<double>(), normal_log_density(scalar[k].item<double>(), 0.0, 1.0), 1e-14);
  }
}

TEST(NormalPriorTerm, GradientAndHessianMatchCentralDifferences) {
  const double mu = -0.3, sigma = 0.7, h = 1e-5;
  auto x = torch::randn({2, 3}, kDouble).requires_grad_();
  auto weights = torch::tensor({0.5, 2.0}, kDouble);  // a non-uniform upstream gradient
  auto f = [&](const at::Tensor& t) { return (weights * normal_prior_term(t, mu, sigma)).sum(); };
  auto grad = torch::autograd::grad({f(x)}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  for (int64_t k = 0; k < 2; ++k) {
    for (int64_t j = 0; j < 3; ++j) {
      auto up = x.detach().clone(), down = x.detach().clone();
      up[k][j] += h;
      down[k][j] -= h;
      const double numeric = (f(up).item<double>() - f(down).item<double>()) / (2 * h);
      EXPECT_NEAR(grad[k][j].item<double>(), numeric, 1e-6);
    }
  }
  // ∂²/∂x² = −w_k/σ² on the diagonal, 0 elsewhere: through the differentiable backward.
  auto second = torch::autograd::grad({grad.sum()}, {x})[0];
  for (int64_t k = 0; k < 2; ++k) {
    for (int64_t j = 0; j < 3; ++j) {
      EXPECT_NEAR(second[k][j].item<double>(), -weights[k].item<double>() / (sigma * sigma), 1e-12);
    }
  }
}

TEST(NormalPriorTerm, AStridedSliceOfThetaGivesTheSameValueAndGradient) {
  // ModelDensity hands a latent its columns of θ [K, D]: not contiguous.
  auto theta = torch::randn({4, 7}, kDouble).requires_grad_();
  auto slice = theta.narrow(1, 2, 3);
  ASSERT_FALSE(slice.is_contiguous());
  auto copy = slice.detach().clone().requires_grad_();
  auto a = normal_prior_term(slice, 0.2, 1.3), b = normal_prior_term(copy, 0.2, 1.3);
  EXPECT_TRUE(torch::allclose(a, b, 1e-15, 0));
  a.sum().backward();
  b.sum().backward();
  EXPECT_TRUE(torch::allclose(theta.grad().narrow(1, 2, 3), copy.grad(), 1e-15, 0));
  EXPECT_EQ(theta.grad().narrow(1, 0, 2).abs().sum().item<double>(), 0.0);
}

TEST(NormalPriorTerm, RejectsBadArguments) {
  auto x = torch::zeros({2, 3}, kDouble);
  EXPECT_THROW(normal_prior_term(x, 0.0, 0.0), DomainError);
  EXPECT_THROW(normal_prior_term(x, 0.0, -1.0), DomainError);
  EXPECT_THROW(normal_prior_term(x, std::numeric_limits<double>::quiet_NaN(), 1.0), DomainError);
  EXPECT_THROW(normal_prior_term(x, 0.0, std::numeric_limits<double>::infinity()), DomainError);
  EXPECT_THROW(normal_prior_term(torch::tensor(1.0, kDouble), 0.0, 1.0), DomainError);
  EXPECT_THROW(normal_prior_term(torch::zeros({2}, torch::kLong), 0.0, 1.0), DomainError);
}

}  // namespace
}  // namespace elbo::model
