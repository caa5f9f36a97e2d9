// Mixtures and boosting on targets with known answers. On an equal mixture of
// two unit Gaussians (1-D at ∓3, 2-D at ∓(3, 1)), a two-component mixture
// family covers both modes (weights ≈ ½, means ≈ the modes, ELBO ≈ log Z) while
// a mean-field Gaussian started at one mode stays there (ELBO ≈ log Z − log 2).
// Boosting from 1 to 3 components raises the ELBO stage by stage and ends
// covering both modes; on a banana the boosted mixture beats the single
// Gaussian.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/gaussian_mixture.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/infer/boosting.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "infer/accurate_targets.hpp"

namespace elbo::infer {
namespace {

using torch::kDouble;
constexpr double kLog2 = 0.69314718055994530942;

optim::OptimizerOptions adam(double eta) {
  optim::OptimizerOptions o;
  o.method = "adam";
  o.eta = eta;
  o.schedule = "robbins_monro";
  o.tau = 500;
  o.kappa = 0.75;
  return o;
}

SviOptions run_for(int64_t iterations, uint64_t seed) {
  SviOptions o;
  o.max_iterations = iterations;
  o.tol_rel_obj = 1e-12;  // run to max_iterations
  o.eval_every = 100;
  o.eval_draws = 200;
  o.seed = seed;
  return o;
}

double fit(std::shared_ptr<const model::LogDensity> p, family::FamilyPtr q, int64_t iterations) {
  auto objective = std::make_shared<objective::ReparamElbo>(
      objective::ReparamElboOptions().num_draws(8));
  Svi svi(p, q, objective, adam(0.05), run_for(iterations, 3));
  svi.run();
  auto gen = make_generator(99);
  return objective::elbo_value(*p, *q, 4000, gen);
}

std::shared_ptr<testing::TwoModeDensity> two_modes(int64_t D) {
  if (D == 1) return std::make_shared<testing::TwoModeDensity>(torch::full({1}, -3.0, kDouble),
                                                               torch::full({1}, 3.0, kDouble));
  return std::make_shared<testing::TwoModeDensity>(torch::tensor({-3.0, -1.0}, kDouble),
                                                   torch::tensor({3.0, 1.0}, kDouble));
}

TEST(GaussianMixtureFit, CoversBothModesWhereMeanFieldSitsAtOne) {
  for (int64_t D : {1, 2}) {
    auto p = two_modes(D);
    auto mixture = std::make_shared<family::GaussianMixture>(D, 2);
    const double mixture_elbo = fit(p, mixture, 1500);
    auto w = mixture->weights().detach();
    auto loc = mixture->loc.detach();
    const int64_t right = loc[0][0].item<double>() > loc[1][0].item<double>() ? 0 : 1;
    EXPECT_NEAR(w[0].item<double>(), 0.5, 0.07) << D;
    EXPECT_LT((loc[right] - p->m2()).abs().max().item<double>(), 0.3) << D << "\n" << loc;
    EXPECT_LT((loc[1 - right] - p->m1()).abs().max().item<double>(), 0.3) << D << "\n" << loc;
    EXPECT_NEAR(mixture_elbo, p->log_z(), 0.05) << D;

    auto meanfield = std::make_shared<family::MeanFieldGaussian>(D);
    meanfield->initialize(p->m2());
    const double meanfield_elbo = fit(p, meanfield, 1500);
    // One mode only: the mean stays at m₂, the sd near 1, the ELBO is log Z − log 2
    // (KL(q ‖ p) = log 2 when q is one of two well-separated equal components).
    EXPECT_LT((meanfield->mean() - p->m2()).abs().max().item<double>(), 0.3) << D;
    EXPECT_LT((meanfield->covariance().diagonal().sqrt() - 1.0).abs().max().item<double>(), 0.15);
    EXPECT_NEAR(meanfield_elbo, p->log_z() - kLog2, 0.05) << D;
    EXPECT_GT(mixture_elbo, meanfield_elbo + 0.5) << D;
  }
}

BoostingOptions boosting_options(int64_t iterations) {
  return BoostingOptions()
      .num_components(3)
      .grad_draws(8)
      .optimizer(adam(0.05))
      .svi(run_for(iterations, 5));
}

TEST(VariationalBoosting, AddsComponentsUntilBothModesAreCovered) {
  auto p = two_modes(1);
  auto result = variational_boosting(p, boosting_options(800).init_location(torch::full({1}, 1.0, kDouble)));
  ASSERT_EQ(result.stages.size(), 3u);
  const auto& s = result.stages;
  // Stage 1 is one Gaussian at one mode; stage 2 finds the other one.
  EXPECT_NEAR(s[0].elbo, p->log_z() - kLog2, 0.05);
  EXPECT_NEAR(std::abs(s[0].location[0].item<double>()), 3.0, 0.3);
  EXPECT_TRUE(s[1].accepted);
  EXPECT_NEAR(s[1].weight, 0.5, 0.1);
  EXPECT_GT(s[1].elbo, s[0].elbo + 0.5);
  EXPECT_GE(s[2].elbo, s[1].elbo);
  EXPECT_NEAR(s[2].elbo, p->log_z(), 0.05);
  // The other mode: the new component started on its side and ended at it.
  EXPECT_LT(s[0].location[0].item<double>() * s[1].init_location[0].item<double>(), 0.0);
  EXPECT_NEAR(s[1].location[0].item<double>(), -s[0].location[0].item<double>(), 0.4);
  // Mass of the final mixture on each side.
  auto w = result.q->weights().detach();
  auto loc = result.q->loc.detach().select(1, 0);
  EXPECT_NEAR((w * (loc < 0).to(kDouble)).sum().item<double>(), 0.5, 0.1);
  EXPECT_NEAR((w * (loc > 0).to(kDouble)).sum().item<double>(), 0.5, 0.1);
}

TEST(VariationalBoosting, BeatsASingleGaussianOnABanana) {
  auto p = std::make_shared<testing::BananaDensity>(1.0);
  auto result = variational_boosting(p, boosting_options(1000));
  ASSERT_EQ(result.stages.size(), 3u);
  const auto& s = result.stages;
  const double log_z = std::log(2.0 * 3.14159265358979323846);
  EXPECT_LT(s[0].elbo, log_z);
  for (size_t i = 1; i < s.size(); ++i) EXPECT_GE(s[i].elbo, s[i - 1].elbo);
  EXPECT_GT(s.back().elbo, s[0].elbo + 0.15) << s[0].elbo << " " << s.back().elbo;
  EXPECT_LT(s.back().elbo, log_z + 0.02);
  EXPECT_GE(result.q->num_components(), 2);
}

TEST(VariationalBoosting, RejectsBadOptions) {
  auto p = two_modes(1);
  EXPECT_THROW(variational_boosting(p, BoostingOptions().num_components(0)), ConfigError);
  EXPECT_THROW(variational_boosting(p, BoostingOptions().initial_weight(1.0)), ConfigError);
  EXPECT_THROW(variational_boosting(p, BoostingOptions().init_location(torch::zeros({2}, kDouble))),
               DomainError);
}

}  // namespace
}  // namespace elbo::infer
