// The built-in models' closed-form gradients (Model::log_joint_and_gradient)
// against autograd through their own log_joint, on the full data and on a
// minibatch, and GaussianTarget against dist::MultivariateNormal and the
// formula −Σ⁻¹(x − μ); GaussianTarget's checks on its covariance.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <memory>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/dist/multivariate_normal.hpp"
#include "elbo/models/gaussian_target.hpp"
#include "elbo/models/logistic_regression.hpp"
#include "elbo/models/poisson_regression.hpp"

namespace elbo::models {
namespace {

using model::Draws;
using model::Subsample;
using torch::kDouble;

/// The closed form against autograd of log_joint for the draws z.
void expect_gradient_matches_autograd(const model::Model& m, const Draws& z, const Subsample& data) {
  auto closed = m.log_joint_and_gradient(z, data);
  ASSERT_TRUE(closed.has_value()) << m.name();
  Draws leaves;
  std::vector<at::Tensor> inputs;
  for (const auto& [name, value] : z.all()) {
    inputs.push_back(value.detach().clone().requires_grad_(true));
    leaves.set(name, inputs.back());
  }
  auto value = m.log_joint(leaves, data);
  auto grads = torch::autograd::grad({value.sum()}, inputs);
  EXPECT_LT((closed->log_joint - value.detach()).abs().max().item<double>(),
            1e-12 * (1.0 + value.abs().max().item<double>()))
      << m.name();
  size_t i = 0;
  for (const auto& [name, _] : z.all()) {
    const auto& g = closed->gradient[name];
    EXPECT_FALSE(g.requires_grad());
    ASSERT_EQ(g.sizes(), grads[i].sizes()) << m.name() << " " << name;
    EXPECT_LT((g - grads[i]).abs().max().item<double>(), 1e-10 * (1.0 + grads[i].abs().max().item<double>()))
        << m.name() << " " << name;
    ++i;
  }
}

Draws glm_draws(at::Generator& gen, int64_t K, int64_t D, double scale) {
  Draws z;
  z.set("alpha", scale * torch::randn({K}, gen, kDouble));
  z.set("beta", scale * torch::randn({K, D}, gen, kDouble));
  return z;
}

TEST(ClosedFormGradient, LogisticRegressionEqualsAutograd) {
  auto gen = make_generator(3);
  auto X = torch::randn({60, 4}, gen, kDouble);
  auto y = (torch::rand({60}, gen, kDouble) < 0.4).to(torch::kDouble);
  LogisticRegression m(X, y, LogisticRegressionOptions().prior_alpha_scale(2.0).prior_beta_scale(0.7));
  auto z = glm_draws(gen, 9, 4, 3.0);  // |η| up to ~30: both branches of the stable softplus
  expect_gradient_matches_autograd(m, z, Subsample::all(60));
  expect_gradient_matches_autograd(m, z, Subsample::of(torch::tensor({3, 17, 4, 59, 0}, torch::kLong), 60));
}

TEST(ClosedFormGradient, PoissonRegressionWithExposureEqualsAutograd) {
  auto gen = make_generator(4);
  auto X = 0.5 * torch::randn({50, 3}, gen, kDouble);
  auto y = torch::poisson(torch::exp(X.sum(1)), gen).to(torch::kDouble);
  auto exposure = 0.5 + torch::rand({50}, gen, kDouble);
  PoissonRegression m(X, y, PoissonRegressionOptions(), exposure);
  auto z = glm_draws(gen, 6, 3, 0.5);
  expect_gradient_matches_autograd(m, z, Subsample::all(50));
  expect_gradient_matches_autograd(m, z, Subsample::of(torch::tensor({1, 2, 30, 49}, torch::kLong), 50));
}

TEST(ClosedFormGradient, GaussianTargetIsTheMultivariateNormal) {
  auto gen = make_generator(5);
  const int64_t D = 7;
  auto A = torch::randn({D, D}, gen, kDouble);
  auto cov = A.matmul(A.t()) + 0.5 * torch::eye(D, kDouble);
  auto mean = torch::randn({D}, gen, kDouble);
  GaussianTarget m(mean, cov);
  EXPECT_EQ(m.latents().size(), 1u);
  EXPECT_EQ(m.latents()[0].shape, (std::vector<int64_t>{D}));
  Draws z;
  z.set("x", mean + 2.0 * torch::randn({11, D}, gen, kDouble));
  // The normalised density of an independent implementation.
  auto expected = dist::MultivariateNormal::from_covariance(mean, cov).log_prob(z["x"]);
  EXPECT_LT((m.log_joint(z, Subsample::all(1)) - expected).abs().max().item<double>(), 1e-11);
  auto closed = m.log_joint_and_gradient(z, Subsample::all(1));
  ASSERT_TRUE(closed.has_value());
  EXPECT_LT((closed->log_joint - expected).abs().max().item<double>(), 1e-11);
  auto grad = -torch::linalg_solve(cov, (z["x"] - mean).t()).t();  // −Σ⁻¹(x − μ)
  EXPECT_LT((closed->gradient["x"] - grad).abs().max().item<double>(), 1e-10);
  expect_gradient_matches_autograd(m, z, Subsample::all(1));
  // float draws take the tensor-op path.
  Draws zf;
  zf.set("x", z["x"].to(torch::kFloat));
  auto closed_f = m.log_joint_and_gradient(zf, Subsample::all(1));
  EXPECT_LT((closed_f->gradient["x"].to(torch::kDouble) - grad).abs().max().item<double>(), 1e-3);
}

TEST(ClosedFormGradient, GaussianTargetRejectsBadCovariances) {
  auto mean = torch::zeros({2}, kDouble);
  auto expect_error = [&](const at::Tensor& cov, const std::string& message) {
    try {
      GaussianTarget(mean, cov);
      FAIL() << "no error for " << message;
    } catch (const DomainError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  expect_error(torch::tensor({{1.0, 0.5}, {0.4, 1.0}}, kDouble), "covariance is not symmetric");
  expect_error(torch::tensor({{1.0, 2.0}, {2.0, 1.0}}, kDouble), "covariance is not positive definite");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_error(torch::tensor({{1.0, nan}, {nan, 1.0}}, kDouble), "covariance");
  expect_error(torch::eye(3, kDouble), "covariance");
  EXPECT_THROW(GaussianTarget(torch::zeros({0}, kDouble), torch::zeros({0, 0}, kDouble)), DomainError);
  GaussianTarget ok(mean, torch::eye(2, kDouble));
  Draws wrong;
  wrong.set("x", torch::zeros({4, 3}, kDouble));
  EXPECT_THROW(ok.log_joint(wrong, Subsample::all(1)), DomainError);
  EXPECT_THROW(ok.log_joint_and_gradient(wrong, Subsample::all(1)), DomainError);
}

}  // namespace
}  // namespace elbo::models
