// BernoulliLatentFeatures: log_joint equals the density written out by hand
// (scalar loops), the declared terms sum to it; bad input is rejected.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/models/bernoulli_latent_features.hpp"

namespace elbo::models {
namespace {

TEST(BernoulliLatentFeatures, LogJointMatchesHandWrittenDensity) {
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto x = torch::tensor({{1, 0, 1}, {0, 0, 1}}, opts);  // N=2, D=3
  BernoulliLatentFeatures model(
      x, 2, BernoulliLatentFeaturesOptions().feature_probability(0.3).prior_weight_scale(1.5));
  auto W = torch::tensor({{{0.5, -1.0, 0.2}, {1.2, 0.3, -0.7}}}, opts);  // one draw
  auto b = torch::tensor({{-0.2, 0.4, 0.1}}, opts);
  auto z = torch::tensor({{{1, 0}, {1, 1}}}, opts);
  model::Draws d;
  d.set("W", W);
  d.set("b", b);
  d.set("z", z);
  auto lp = model.log_joint(d, model::Subsample::all(1));
  auto terms = model.log_joint_terms(d, model::Subsample::all(1));
  ASSERT_EQ(terms.sizes(), (std::vector<int64_t>{1, 3}));
  EXPECT_NEAR(terms.sum().item<double>(), lp.item<double>(), 1e-12);
  double expected = 0.0;
  auto log_normal = [](double v, double sd) {
    return -0.5 * v * v / (sd * sd) - std::log(sd) - 0.5 * std::log(2 * M_PI);
  };
  for (int k = 0; k < 2; ++k) {
    for (int j = 0; j < 3; ++j) expected += log_normal(W[0][k][j].item<double>(), 1.5);
  }
  for (int j = 0; j < 3; ++j) expected += log_normal(b[0][j].item<double>(), 1.5);
  for (int n = 0; n < 2; ++n) {
    for (int k = 0; k < 2; ++k) expected += std::log(z[0][n][k].item<double>() > 0.5 ? 0.3 : 0.7);
    for (int j = 0; j < 3; ++j) {
      double eta = b[0][j].item<double>();
      for (int k = 0; k < 2; ++k) eta += z[0][n][k].item<double>() * W[0][k][j].item<double>();
      const double p = 1.0 / (1.0 + std::exp(-eta));
      expected += std::log(x[n][j].item<double>() > 0.5 ? p : 1 - p);
    }
  }
  EXPECT_NEAR(lp.item<double>(), expected, 1e-10);
}

TEST(BernoulliLatentFeatures, RejectsBadInput) {
  auto x = torch::tensor({{1.0, 0.0}, {0.0, 0.5}}, torch::kDouble);
  EXPECT_THROW(BernoulliLatentFeatures(x, 2), DomainError);
  auto ok = torch::tensor({{1.0, 0.0}}, torch::kDouble);
  EXPECT_THROW(BernoulliLatentFeatures(ok, 0), ConfigError);
  EXPECT_THROW(BernoulliLatentFeatures(ok, 2, BernoulliLatentFeaturesOptions().feature_probability(1.0)),
               ConfigError);
  auto scopes = BernoulliLatentFeatures(ok, 3).log_joint_term_scopes();
  ASSERT_EQ(scopes.size(), 2u);
  EXPECT_EQ(scopes[0][0].elements, (std::vector<int64_t>{0, 1, 2}));
}

}  // namespace
}  // namespace elbo::models
