// PoissonRegression: log joint against SciPy's poisson.logpmf, with and without
// exposure, on the full data and a minibatch; checked inputs.
#include "elbo/models/poisson_regression.hpp"

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

const nlohmann::json& poisson_ref() { return reference()["poisson"]; }
at::Tensor poisson_X() { return tensor_of(reference()["X"]); }
at::Tensor poisson_y() { return tensor_of(poisson_ref()["y"]); }

Draws poisson_draws() {
  Draws z;
  z.set("alpha", tensor_of(poisson_ref()["alpha"]));
  z.set("beta", tensor_of(poisson_ref()["beta"]));
  return z;
}

Subsample reference_subsample() {
  auto idx = reference()["subsample"].get<std::vector<int64_t>>();
  return Subsample::of(torch::tensor(idx, torch::kLong), 8);
}

TEST(PoissonRegression, LogJointMatchesScipy) {
  PoissonRegression m(poisson_X(), poisson_y());
  EXPECT_EQ(m.name(), "poisson_regression");
  EXPECT_EQ(m.num_data(), 8);
  EXPECT_EQ(m.latents().size(), 2u);
  expect_close(m.log_joint(poisson_draws(), Subsample::all(8)), tensor_of(poisson_ref()["log_joint"]));
  expect_close(m.log_joint(poisson_draws(), reference_subsample()),
               tensor_of(poisson_ref()["log_joint_subsample"]));
}

TEST(PoissonRegression, ExposureAndPriorOptions) {
  PoissonRegression m(poisson_X(), poisson_y(),
                      PoissonRegressionOptions().prior_alpha_scale(3.0).prior_beta_scale(2.0),
                      tensor_of(poisson_ref()["exposure"]));
  expect_close(m.log_joint(poisson_draws(), Subsample::all(8)), tensor_of(poisson_ref()["log_joint_exposure"]));
  expect_close(m.log_joint(poisson_draws(), reference_subsample()),
               tensor_of(poisson_ref()["log_joint_exposure_subsample"]));
}

TEST(PoissonRegression, MinibatchesOfAPartitionAverageToTheFullLogJoint) {
  PoissonRegression m(poisson_X(), poisson_y());
  auto sum = torch::zeros({3}, torch::kDouble);
  for (int64_t b = 0; b < 8; ++b) {  // minibatches of one point each
    sum += m.log_joint(poisson_draws(), Subsample::of(torch::tensor({b}, torch::kLong), 8));
  }
  expect_close(sum / 8, tensor_of(poisson_ref()["log_joint"]));
}

TEST(PoissonRegression, RejectsBadCounts) {
  auto bad = poisson_y().clone();
  bad[1] = -1;
  testing::expect_throw_message<DomainError>(
      [&] { PoissonRegression(poisson_X(), bad); },
      "poisson_regression: y[1] is -1, but must be a nonnegative integer");
  bad[1] = 1.5;
  testing::expect_throw_message<DomainError>(
      [&] { PoissonRegression(poisson_X(), bad); },
      "poisson_regression: y[1] is 1.5, but must be a nonnegative integer");
  auto exposure = torch::ones({8}, torch::kDouble);
  exposure[4] = 0;
  testing::expect_throw_message<DomainError>(
      [&] { PoissonRegression(poisson_X(), poisson_y(), {}, exposure); },
      "poisson_regression: exposure[4] is 0, but must be positive finite");
  EXPECT_THROW(PoissonRegression(poisson_X(), poisson_y(), {}, torch::ones({7}, torch::kDouble)), DomainError);
}

}  // namespace
}  // namespace elbo::models
