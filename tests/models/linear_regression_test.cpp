// LinearRegression: log joint against SciPy for K draws at once, on minibatches,
// and with known sigma; the exact known-sigma posterior against NumPy.
#include "elbo/models/linear_regression.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "models/reference.hpp"

namespace elbo::models {
namespace {

using model::Draws;
using model::Subsample;
using testing::expect_close;
using testing::reference;
using testing::tensor_of;

const nlohmann::json& linear_ref() { return reference()["linear"]; }
at::Tensor linear_X() { return tensor_of(reference()["X"]); }
at::Tensor linear_y() { return tensor_of(linear_ref()["y"]); }

Draws linear_draws(bool with_sigma = true) {
  Draws z;
  z.set("alpha", tensor_of(linear_ref()["alpha"]));
  z.set("beta", tensor_of(linear_ref()["beta"]));
  if (with_sigma) z.set("sigma", tensor_of(linear_ref()["sigma"]));
  return z;
}

Subsample reference_subsample() {
  auto idx = reference()["subsample"].get<std::vector<int64_t>>();
  return Subsample::of(torch::tensor(idx, torch::kLong), linear_X().size(0));
}

TEST(LinearRegression, DeclaresLatents) {
  LinearRegression m(linear_X(), linear_y());
  EXPECT_EQ(m.name(), "linear_regression");
  EXPECT_EQ(m.num_data(), 8);
  auto latents = m.latents();
  ASSERT_EQ(latents.size(), 3u);
  EXPECT_EQ(latents[0].name, "alpha");
  EXPECT_TRUE(latents[0].shape.empty());
  EXPECT_EQ(latents[1].name, "beta");
  EXPECT_EQ(latents[1].shape, std::vector<int64_t>{3});
  EXPECT_EQ(latents[2].name, "sigma");
  EXPECT_EQ(latents[2].constraint.kind, bijector::Constraint::Kind::positive);

  LinearRegression known(linear_X(), linear_y(), LinearRegressionOptions().known_sigma(0.7));
  EXPECT_EQ(known.latents().size(), 2u);
}

TEST(LinearRegression, LogJointMatchesScipyForSeveralDraws) {
  LinearRegression m(linear_X(), linear_y());
  expect_close(m.log_joint(linear_draws(), Subsample::all(8)), tensor_of(linear_ref()["log_joint"]));
}

TEST(LinearRegression, MinibatchLogJointIsScaledByMOverS) {
  LinearRegression m(linear_X(), linear_y());
  expect_close(m.log_joint(linear_draws(), reference_subsample()),
               tensor_of(linear_ref()["log_joint_subsample"]));
}

TEST(LinearRegression, MinibatchesOfAPartitionAverageToTheFullLogJoint) {
  // Over a partition into B equal minibatches, mean_b [prior + (M/S) ℓ_b] =
  // prior + Σ_b ℓ_b = the full log joint.
  LinearRegression m(linear_X(), linear_y());
  auto perm = torch::tensor({5, 2, 7, 0, 3, 6, 1, 4}, torch::kLong);
  auto sum = torch::zeros({3}, torch::kDouble);
  const int64_t B = 4;
  for (int64_t b = 0; b < B; ++b) {
    sum += m.log_joint(linear_draws(), Subsample::of(perm.narrow(0, 2 * b, 2), 8));
  }
  expect_close(sum / B, tensor_of(linear_ref()["log_joint"]));
}

TEST(LinearRegression, KnownSigmaAndPriorOptions) {
  LinearRegression m(linear_X(), linear_y(), LinearRegressionOptions()
                                   .prior_alpha_scale(2.0)
                                   .prior_beta_scale(0.5)
                                   .known_sigma(0.7));
  expect_close(m.log_joint(linear_draws(/*with_sigma=*/false), Subsample::all(8)),
               tensor_of(linear_ref()["log_joint_known_sigma"]));
}

TEST(LinearRegression, FloatDrawsGiveFloatLogJoint) {
  LinearRegression m(linear_X(), linear_y());
  const Draws doubles = linear_draws();
  Draws z;
  for (const auto& [name, value] : doubles.all()) z.set(name, value.to(torch::kFloat));
  auto lp = m.log_joint(z, Subsample::all(8));
  EXPECT_EQ(lp.scalar_type(), torch::kFloat);
  expect_close(lp, tensor_of(linear_ref()["log_joint"]), 1e-5, 1e-5);
}

TEST(LinearRegression, GradientOfLogJointMatchesFiniteDifferences) {
  LinearRegression m(linear_X(), linear_y());
  auto alpha = tensor_of(linear_ref()["alpha"]).requires_grad_();
  auto beta = tensor_of(linear_ref()["beta"]).requires_grad_();
  auto sigma = tensor_of(linear_ref()["sigma"]).requires_grad_();
  auto eval = [&](const at::Tensor& a, const at::Tensor& b, const at::Tensor& s) {
    Draws z;
    z.set("alpha", a);
    z.set("beta", b);
    z.set("sigma", s);
    return m.log_joint(z, reference_subsample()).sum();
  };
  auto grads = torch::autograd::grad({eval(alpha, beta, sigma)}, {alpha, beta, sigma});
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> base{alpha.detach(), beta.detach(), sigma.detach()};
  const double h = 1e-6;
  for (size_t which = 0; which < 3; ++which) {
    for (int64_t j = 0; j < base[which].numel(); ++j) {
      auto shifted = [&](double d) {
        auto v = base;
        v[which] = v[which].clone();
        v[which].view({-1})[j] += d;
        return eval(v[0], v[1], v[2]).item<double>();
      };
      const double fd = (shifted(h) - shifted(-h)) / (2 * h);
      EXPECT_NEAR(grads[which].reshape({-1})[j].item<double>(), fd, 1e-6 * (1 + std::abs(fd)));
    }
  }
}

TEST(LinearRegression, ExactPosteriorMatchesNumpy) {
  auto post = exact_posterior_known_sigma(linear_X(), linear_y(), 0.7, 2.0, 0.5);
  expect_close(post.mean, tensor_of(linear_ref()["posterior_mean"]), 1e-10, 1e-12);
  expect_close(post.covariance, tensor_of(linear_ref()["posterior_covariance"]), 1e-10, 1e-12);
  EXPECT_NEAR(post.log_evidence, linear_ref()["log_evidence"].get<double>(), 1e-10);

  LinearRegression m(linear_X(), linear_y(), LinearRegressionOptions()
                                   .prior_alpha_scale(2.0)
                                   .prior_beta_scale(0.5)
                                   .known_sigma(0.7));
  auto same = m.exact_posterior();
  expect_close(same.mean, post.mean, 0, 0);
  EXPECT_THROW(LinearRegression(linear_X(), linear_y()).exact_posterior(), ConfigError);
}

TEST(LinearRegression, ExactPosteriorIsTheNormalisedLogJoint) {
  // Bayes: log p(w | y) = log p(y, w) − log p(y), for any w.
  const auto opts =
      LinearRegressionOptions().prior_alpha_scale(2.0).prior_beta_scale(0.5).known_sigma(0.7);
  LinearRegression m(linear_X(), linear_y(), opts);
  auto post = m.exact_posterior();
  Draws z = linear_draws(false);
  auto w = torch::cat({z["alpha"].unsqueeze(1), z["beta"]}, 1);  // [K, D+1]
  auto L = torch::linalg_cholesky(post.covariance);
  auto diff = (w - post.mean).t();
  auto sol = torch::linalg_solve_triangular(L, diff, /*upper=*/false);
  auto log_post = -0.5 * (sol * sol).sum(0) - L.diagonal().log().sum() -
                  0.5 * 4 * std::log(2 * M_PI);
  expect_close(m.log_joint(z, Subsample::all(8)) - post.log_evidence, log_post, 1e-10, 1e-10);
}

TEST(LinearRegression, RejectsBadData) {
  using testing::expect_throw_message;
  expect_throw_message<DomainError>(
      [] { LinearRegression(linear_X(), linear_y().narrow(0, 0, 7)); },
      "linear_regression: X has 8 rows but y has 7 elements; they must match");
  auto bad = linear_X().clone();
  bad[1][2] = std::numeric_limits<double>::quiet_NaN();
  expect_throw_message<DomainError>([&] { LinearRegression(bad, linear_y()); },
                                    "linear_regression: X[5] is nan, but must be finite");
  auto bad_y = linear_y().clone();
  bad_y[3] = std::numeric_limits<double>::infinity();
  expect_throw_message<DomainError>([&] { LinearRegression(linear_X(), bad_y); },
                                    "linear_regression: y[3] is inf, but must be finite");
  EXPECT_THROW(LinearRegression(torch::zeros({0, 2}, torch::kDouble),
                                torch::zeros({0}, torch::kDouble)),
               DomainError);
  EXPECT_THROW(LinearRegression(torch::zeros({3, 0}, torch::kDouble),
                                torch::zeros({3}, torch::kDouble)),
               DomainError);
  EXPECT_THROW(LinearRegression(linear_y(), linear_y()), DomainError);  // X must be a matrix
  expect_throw_message<ConfigError>(
      [] { LinearRegression(linear_X(), linear_y(), LinearRegressionOptions().prior_beta_scale(-1)); },
      "linear_regression: prior_beta_scale is -1, but must be positive finite");
  EXPECT_THROW(LinearRegression(linear_X(), linear_y(), LinearRegressionOptions().known_sigma(0.0)),
               ConfigError);
}

TEST(LinearRegression, RejectsMisshapenDrawsAndForeignSubsamples) {
  LinearRegression m(linear_X(), linear_y());
  Draws z;
  z.set("alpha", torch::zeros({2}, torch::kDouble));
  z.set("beta", torch::zeros({2, 4}, torch::kDouble));
  z.set("sigma", torch::ones({2}, torch::kDouble));
  EXPECT_THROW(m.log_joint(z, Subsample::all(8)), DomainError);
  EXPECT_THROW(m.log_joint(linear_draws(), Subsample::of(torch::tensor({0, 1}), 9)), DomainError);
}

}  // namespace
}  // namespace elbo::models
