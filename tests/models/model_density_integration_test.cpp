// The built-in models seen through model::ModelDensity: their latents pack into
// θ with the expected dimension and CmdStan names, and the log density over θ
// is the log joint at the constrained values plus the bijectors' log-Jacobian.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>

#include "elbo/model/model_density.hpp"
#include "elbo/models/eight_schools.hpp"
#include "elbo/models/linear_regression.hpp"
#include "elbo/models/logistic_regression.hpp"
#include "models/reference.hpp"

namespace elbo::models {
namespace {

using testing::reference;
using testing::tensor_of;

TEST(ModelDensityIntegration, LinearRegressionPacksAlphaBetaSigma) {
  auto m = std::make_shared<LinearRegression>(tensor_of(reference()["X"]),
                                              tensor_of(reference()["linear"]["y"]));
  model::ModelDensity density(m);
  EXPECT_EQ(density.dim(), 5);
  EXPECT_EQ(density.num_data(), 8);
  EXPECT_EQ(density.constrained_names(),
            (std::vector<std::string>{"alpha", "beta.1", "beta.2", "beta.3", "sigma"}));

  auto theta = torch::linspace(-0.5, 0.7, 10, torch::kDouble).reshape({2, 5});
  theta.requires_grad_();
  auto lp = density.log_prob(theta);
  ASSERT_EQ(lp.sizes(), (std::vector<int64_t>{2}));
  auto z = density.constrain(theta.detach());
  auto jacobian = density.slots()[2].bijector->log_abs_det_jacobian(theta.detach().select(1, 4));
  testing::expect_close(lp, m->log_joint(z, model::Subsample::all(8)) + jacobian);
  auto g = torch::autograd::grad({lp.sum()}, {theta})[0];
  EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
}

TEST(ModelDensityIntegration, EightSchoolsAndLogisticRegressionEvaluate) {
  model::ModelDensity eight(
      std::make_shared<EightSchools>(EightSchoolsOptions().non_centered(true)));
  EXPECT_EQ(eight.dim(), 10);
  EXPECT_EQ(eight.num_data(), 0);
  EXPECT_EQ(eight.constrained_names()[2], "theta_tilde.1");
  EXPECT_TRUE(torch::isfinite(eight.log_prob(torch::zeros({3, 10}, torch::kDouble))).all()
                  .item<bool>());

  model::ModelDensity logistic(std::make_shared<LogisticRegression>(
      tensor_of(reference()["X"]), tensor_of(reference()["logistic"]["y"])));
  EXPECT_EQ(logistic.dim(), 4);
  auto idx = torch::tensor({0, 5}, torch::kLong);
  auto lp = logistic.log_prob(torch::zeros({1, 4}, torch::kDouble),
                              model::Subsample::of(idx, 8));
  // At α = β = 0 every term is log ½; the prior terms are the Normal normalisers.
  const double expected = 8 * std::log(0.5) - std::log(5.0) - 4 * 0.5 * std::log(2 * M_PI);
  EXPECT_NEAR(lp.item<double>(), expected, 1e-12);
}

}  // namespace
}  // namespace elbo::models
