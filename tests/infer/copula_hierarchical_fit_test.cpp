// The copula and hierarchical families fitted by the SVI driver on targets with
// known answers: a correlated 2-D Gaussian (correlation 0.8, means (1, −1), sds
// (1, 2)) — the copula recovers the correlation of its Gaussian copula and the
// marginals; the hierarchical model (random scales, auxiliary bound) captures
// the correlation through q(ν). On a left-skewed target, sinh-arcsinh marginals
// beat Gaussian ones. On Normal–Normal the fitted auxiliary bound
// approaches log p(x) from below.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/gaussian_copula.hpp"
#include "elbo/family/hierarchical_family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/auxiliary_elbo.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "infer/accurate_targets.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::infer {
namespace {

using torch::kDouble;

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
  o.tol_rel_obj = 1e-12;  // run to max_iterations, averaging the last 20%
  o.average_iterates = true;
  o.eval_every = 100;
  o.eval_draws = 200;
  o.seed = seed;
  return o;
}

std::shared_ptr<testing::GaussianTarget> correlated() {
  auto sd = torch::tensor({1.0, 2.0}, kDouble);
  auto R = torch::tensor({{1.0, 0.8}, {0.8, 1.0}}, kDouble);
  return std::make_shared<testing::GaussianTarget>(torch::tensor({1.0, -1.0}, kDouble),
                                                   sd.unsqueeze(1) * R * sd.unsqueeze(0));
}

double copula_correlation(const at::Tensor& cov) {
  return (cov[0][1] / (cov[0][0] * cov[1][1]).sqrt()).item<double>();
}

TEST(GaussianCopulaFit, RecoversCorrelationAndMarginals) {
  auto p = correlated();
  for (auto marginal : {family::CopulaMarginal::sinh_arcsinh, family::CopulaMarginal::gaussian}) {
    auto q = std::make_shared<family::GaussianCopula>(
        2, family::GaussianCopulaOptions().marginal(marginal));
    auto objective = std::make_shared<objective::ReparamElbo>(
        objective::ReparamElboOptions().num_draws(8).stick_the_landing(true));
    Svi(p, q, objective, adam(0.05), run_for(2000, 11)).run();
    const std::string name = q->family_name();
    EXPECT_NEAR(q->correlation()[0][1].item<double>(), 0.8, 0.05) << name;
    auto cov = q->covariance();
    EXPECT_NEAR(copula_correlation(cov), 0.8, 0.05) << name;
    EXPECT_LT((q->mean() - p->mean()).abs().max().item<double>(), 0.1) << name;
    EXPECT_NEAR(std::sqrt(cov[0][0].item<double>()), 1.0, 0.1) << name;
    EXPECT_NEAR(std::sqrt(cov[1][1].item<double>()), 2.0, 0.2) << name;
  }
}

TEST(GaussianCopulaFit, SinhArcsinhMarginalsFitASkewedTargetBetterThanGaussianOnes) {
  auto p = std::make_shared<testing::SkewedDensity>();
  double elbo[2];
  int i = 0;
  for (auto marginal : {family::CopulaMarginal::sinh_arcsinh, family::CopulaMarginal::gaussian}) {
    auto q = std::make_shared<family::GaussianCopula>(
        2, family::GaussianCopulaOptions().marginal(marginal));
    auto objective = std::make_shared<objective::ReparamElbo>(
        objective::ReparamElboOptions().num_draws(8).stick_the_landing(true));
    Svi(p, q, objective, adam(0.05), run_for(2000, 5)).run();
    auto gen = make_generator(9);
    elbo[i++] = objective::elbo_value(*p, *q, 20000, gen);
    if (marginal == family::CopulaMarginal::sinh_arcsinh) {
      EXPECT_LT(q->skew[0].item<double>(), -0.1);  // θ₁ is left-skewed
    }
  }
  // KL(q ‖ p) = log Z − ELBO: about 0.014 with sinh-arcsinh marginals, 0.042 with
  // Gaussian ones (the best Gaussian copula is the best full-rank Gaussian).
  EXPECT_LT(elbo[0], p->log_z() + 0.005);
  EXPECT_GT(elbo[0], elbo[1] + 0.015) << elbo[0] << " " << elbo[1];
}

TEST(HierarchicalFit, CapturesCorrelationThroughTheVariationalPrior) {
  auto p = correlated();
  auto q = std::make_shared<family::HierarchicalFamily>(2);
  auto objective = std::make_shared<objective::AuxiliaryElbo>(
      objective::AuxiliaryElboOptions().num_draws(8));
  Svi(p, q, objective, adam(0.05), run_for(2500, 12)).run();
  auto cov = q->covariance();
  EXPECT_NEAR(copula_correlation(cov), 0.8, 0.07) << cov;
  EXPECT_LT((q->mean() - p->mean()).abs().max().item<double>(), 0.15);
  // q(θ|ν) is mean-field: the correlation can only come from q(ν)'s mean block.
  auto L = q->prior_scale_tril().detach();
  auto S = L.matmul(L.t()).narrow(0, 0, 2).narrow(1, 0, 2);
  EXPECT_GT(copula_correlation(S), 0.8) << S;
  // The bound is below log Z = ½ log|2πΣ| and close to it.
  const double log_z = 0.5 * (2 * kLog2Pi + torch::logdet(p->cov()).item<double>());
  auto gen = make_generator(5);
  const double bound = objective::auxiliary_elbo_value(*p, *q, 20000, gen);
  EXPECT_LT(bound, log_z + 0.01);
  EXPECT_GT(bound, log_z - 0.15);
}

TEST(HierarchicalFit, AuxiliaryBoundApproachesLogEvidenceOnNormalNormal) {
  auto gen = make_generator(3);
  auto x = 1.0 + torch::randn({12}, gen, kDouble);
  auto model = std::make_shared<testing::NormalNormal>(x, 0.8, 0.5, 2.0);
  auto density = std::make_shared<model::ModelDensity>(model);
  const double mu = model->posterior_mean(), var = model->posterior_var();
  auto at_mode = density->log_prob(torch::full({1, 1}, mu, kDouble)).item<double>();
  const double log_z = at_mode + 0.5 * (kLog2Pi + std::log(var));
  for (bool random_scale : {false, true}) {
    auto q = std::make_shared<family::HierarchicalFamily>(
        1, family::HierarchicalFamilyOptions().random_scale(random_scale));
    auto objective = std::make_shared<objective::AuxiliaryElbo>(
        objective::AuxiliaryElboOptions().num_draws(8));
    Svi(density, q, objective, adam(0.05), run_for(2000, 13)).run();
    auto eval_gen = make_generator(6);
    const double bound = objective::auxiliary_elbo_value(*density, *q, 20000, eval_gen);
    EXPECT_LT(bound, log_z + 0.01) << random_scale;
    EXPECT_GT(bound, log_z - 0.05) << random_scale;
    EXPECT_NEAR(q->mean()[0].item<double>(), mu, 0.1 * std::sqrt(var)) << random_scale;
    EXPECT_NEAR(q->covariance()[0][0].item<double>() / var, 1.0, 0.15) << random_scale;
  }
}

}  // namespace
}  // namespace elbo::infer
