// LogisticRegression: log joint against SciPy (log_expit) for K draws, one with
// |η| ≈ 45, on the full data and a minibatch; checked inputs.
#include "elbo/models/logistic_regression.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/core/error.hpp"
#include "models/reference.hpp"

namespace elbo::models {
namespace {

using model::Draws;
using model::Subsample;
using testing::expect_close;
using testing::reference;
using testing::tensor_of;

const nlohmann::json& logistic_ref() { return reference()["logistic"]; }
at::Tensor logistic_X() { return tensor_of(reference()["X"]); }
at::Tensor logistic_y() { return tensor_of(logistic_ref()["y"]); }

Draws logistic_draws() {
  Draws z;
  z.set("alpha", tensor_of(logistic_ref()["alpha"]));
  z.set("beta", tensor_of(logistic_ref()["beta"]));
  return z;
}

TEST(LogisticRegression, DeclaresLatents) {
  LogisticRegression m(logistic_X(), logistic_y());
  EXPECT_EQ(m.name(), "logistic_regression");
  EXPECT_EQ(m.num_data(), 8);
  auto latents = m.latents();
  ASSERT_EQ(latents.size(), 2u);
  EXPECT_EQ(latents[0].name, "alpha");
  EXPECT_EQ(latents[1].name, "beta");
  EXPECT_EQ(latents[1].shape, std::vector<int64_t>{3});
}

TEST(LogisticRegression, LogJointMatchesScipy) {
  LogisticRegression m(logistic_X(), logistic_y());
  expect_close(m.log_joint(logistic_draws(), Subsample::all(8)), tensor_of(logistic_ref()["log_joint"]));
}

TEST(LogisticRegression, MinibatchLogJointMatchesScipy) {
  LogisticRegression m(logistic_X(), logistic_y());
  auto idx = reference()["subsample"].get<std::vector<int64_t>>();
  expect_close(m.log_joint(logistic_draws(), Subsample::of(torch::tensor(idx, torch::kLong), 8)),
               tensor_of(logistic_ref()["log_joint_subsample"]));
}

TEST(LogisticRegression, MinibatchesOfAPartitionAverageToTheFullLogJoint) {
  LogisticRegression m(logistic_X(), logistic_y());
  auto perm = torch::tensor({3, 7, 1, 0, 6, 2, 5, 4}, torch::kLong);
  auto sum = torch::zeros({3}, torch::kDouble);
  for (int64_t b = 0; b < 2; ++b) {
    sum += m.log_joint(logistic_draws(), Subsample::of(perm.narrow(0, 4 * b, 4), 8));
  }
  expect_close(sum / 2, tensor_of(logistic_ref()["log_joint"]));
}

TEST(LogisticRegression, PriorOptionsChangeOnlyThePrior) {
  // Changing s_α from 5 to 2 changes log N(α | 0, s_α) only.
  LogisticRegression a(logistic_X(), logistic_y());
  LogisticRegression b(logistic_X(), logistic_y(), LogisticRegressionOptions().prior_alpha_scale(2.0));
  auto alpha = tensor_of(logistic_ref()["alpha"]);
  auto expected = -alpha * alpha / 8.0 - std::log(2.0) + alpha * alpha / 50.0 + std::log(5.0);
  expect_close(b.log_joint(logistic_draws(), Subsample::all(8)) - a.log_joint(logistic_draws(), Subsample::all(8)),
               expected, 1e-10, 1e-10);
}

TEST(LogisticRegression, RejectsResponsesOutsideZeroOne) {
  auto bad = logistic_y().clone();
  bad[2] = 0.5;
  testing::expect_throw_message<DomainError>(
      [&] { LogisticRegression(logistic_X(), bad); },
      "logistic_regression: y[2] is 0.5, but must be 0 or 1");
  bad[2] = -1;
  EXPECT_THROW(LogisticRegression(logistic_X(), bad), DomainError);
  EXPECT_THROW(LogisticRegression(logistic_X(), logistic_y().narrow(0, 0, 5)), DomainError);
  EXPECT_THROW(LogisticRegression(logistic_X(), logistic_y(), LogisticRegressionOptions().prior_alpha_scale(0)),
               ConfigError);
}

}  // namespace
}  // namespace elbo::models
