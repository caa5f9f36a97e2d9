// The auxiliary-variable bound of a hierarchical family on Normal–Normal, whose
// log evidence log p(x) is closed form: with q(θ) the exact posterior and r the
// exact conditional q(ν | θ) the bound equals log p(x) at every draw; with other
// parameters it lies below log p(x) and below the ELBO of the marginal q(θ)
// (same draws; the gap is E KL(q(ν|θ) ‖ r) ≥ 0); ReparamElbo on the family
// (weighted draws) gives the same estimate; other families are rejected.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/hierarchical_family.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/auxiliary_elbo.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::objective {
namespace {


struct AuxiliarySetup {
  std::shared_ptr<testing::NormalNormal> model;
  std::shared_ptr<model::ModelDensity> density;
  double log_z;
};

AuxiliarySetup normal_normal() {
  auto gen = make_generator(3);
  auto x = 1.0 + torch::randn({12}, gen, torch::kDouble);
  AuxiliarySetup s;
  s.model = std::make_shared<testing::NormalNormal>(x, 0.8, 0.5, 2.0);
  s.density = std::make_shared<model::ModelDensity>(s.model);
  const double mu = s.model->posterior_mean(), var = s.model->posterior_var();
  // log_joint is c − (θ − μ)²/(2 var): log Z = log_joint(μ) + ½ log(2π var).
  auto at_mode = s.density->log_prob(torch::full({1, 1}, mu, torch::kDouble)).item<double>();
  s.log_z = at_mode + 0.5 * (kLog2Pi + std::log(var));
  return s;
}

// q(ν) = N(μ_n, a·var), q(θ|ν) = N(ν, (1 − a)·var): the marginal is the posterior.
// r(ν | θ) = N(μ_n + a(θ − μ_n), a(1 − a) var) is the exact conditional.
void set_exact(family::HierarchicalFamily& q, double mu, double var, double a, bool exact_r) {
  torch::NoGradGuard no_grad;
  q.prior_loc.fill_(mu);
  q.prior_log_diag.fill_(0.5 * std::log(a * var));
  q.log_sigma.fill_(0.5 * std::log((1 - a) * var));
  if (exact_r) {
    q.reverse_weight.fill_(a);
    q.reverse_loc.fill_(mu - a * mu);
    q.reverse_log_diag.fill_(0.5 * std::log(a * (1 - a) * var));
  }
}

TEST(AuxiliaryElbo, EqualsLogEvidenceWithExactPosteriorAndReverseModel) {
  auto s = normal_normal();
  family::HierarchicalFamily q(1, family::HierarchicalFamilyOptions().random_scale(false));
  set_exact(q, s.model->posterior_mean(), s.model->posterior_var(), 0.6, true);
  auto gen = make_generator(1);
  const auto all = model::Subsample::all(s.model->num_data());
  AuxiliaryElbo bound(AuxiliaryElboOptions().num_draws(7));
  EXPECT_NEAR(bound.estimate(*s.density, q, all, gen).value, s.log_z, 1e-9);
  EXPECT_NEAR(auxiliary_elbo_value(*s.density, q, 5, gen), s.log_z, 1e-9);
  // ReparamElbo on the family's weighted draws is the same bound.
  ReparamElbo elbo(ReparamElboOptions().num_draws(3));
  EXPECT_NEAR(elbo.estimate(*s.density, q, all, gen).value, s.log_z, 1e-9);
  EXPECT_NEAR(elbo_value(*s.density, q, 3, gen), s.log_z, 1e-9);
}

TEST(AuxiliaryElbo, LiesBelowTheMarginalElboAndTheLogEvidence) {
  auto s = normal_normal();
  const int64_t K = 20000;
  for (bool exact_marginal : {true, false}) {
    family::HierarchicalFamily q(1, family::HierarchicalFamilyOptions().random_scale(false));
    set_exact(q, s.model->posterior_mean(), s.model->posterior_var(), 0.6, false);  // r = q(ν)
    if (!exact_marginal) {
      torch::NoGradGuard no_grad;
      q.prior_loc.add_(0.3);
      q.reverse_weight.fill_(0.2);
    }
    auto gen = make_generator(2);
    auto draws = q.rsample_auxiliary(K, gen);
    auto log_p = s.density->log_prob(draws.theta).detach();
    auto aux = (log_p + draws.log_r - draws.log_q_theta_given_nu - draws.log_q_nu).detach();
    auto marginal = (log_p - q.log_prob(draws.theta)).detach();
    const double se = (aux - marginal).std().item<double>() / std::sqrt(double(K));
    EXPECT_LT(aux.mean().item<double>(), marginal.mean().item<double>() - 5 * se);
    const double se_aux = aux.std().item<double>() / std::sqrt(double(K));
    EXPECT_LT(aux.mean().item<double>(), s.log_z - 5 * se_aux);
    if (exact_marginal) {
      EXPECT_NEAR(marginal.mean().item<double>(), s.log_z, 1e-9);  // q(θ) is the posterior
    }
  }
}

TEST(AuxiliaryElbo, GradientTrainsTheReverseModel) {
  // With q fixed at the exact marginal, the bound's gradient in r's parameters
  // points towards the exact conditional: ∂/∂W at W = 0 is positive (a = 0.6).
  auto s = normal_normal();
  family::HierarchicalFamily q(1, family::HierarchicalFamilyOptions().random_scale(false));
  set_exact(q, s.model->posterior_mean(), s.model->posterior_var(), 0.6, false);
  auto gen = make_generator(4);
  const auto all = model::Subsample::all(s.model->num_data());
  AuxiliaryElbo bound(AuxiliaryElboOptions().num_draws(4000));
  auto estimate = bound.estimate(*s.density, q, all, gen);
  estimate.surrogate.backward();
  EXPECT_GT(q.reverse_weight.grad().item<double>(), 0.0);
}

TEST(AuxiliaryElbo, RejectsOtherFamiliesAndBadOptions) {
  auto s = normal_normal();
  family::MeanFieldGaussian q(1);
  auto gen = make_generator(1);
  AuxiliaryElbo bound;
  try {
    bound.estimate(*s.density, q, model::Subsample::all(12), gen);
    ADD_FAILURE() << "accepted a mean-field family";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("hierarchical"), std::string::npos);
  }
  EXPECT_THROW(AuxiliaryElbo(AuxiliaryElboOptions().num_draws(0)), ConfigError);
}

}  // namespace
}  // namespace elbo::objective
