// The reparameterised ELBO at the exact posterior of a conjugate model: the
// bound equals log Z = log ∫ exp(log_joint) dθ for every draw (log p − log q
// is constant), the sticking-the-landing gradient vanishes draw by draw, and
// the plain estimator's gradient is zero only on average. Away from the
// posterior the estimator's mean matches the exact ELBO gradient.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::objective {
namespace {


struct ReparamSetup {
  std::shared_ptr<testing::NormalNormal> model;
  std::shared_ptr<model::ModelDensity> density;
  std::shared_ptr<family::MeanFieldGaussian> q;
  double log_z;
};

ReparamSetup at_posterior() {
  auto gen = make_generator(3);
  auto x = 1.0 + torch::randn({12}, gen, torch::kDouble);
  ReparamSetup s;
  s.model = std::make_shared<testing::NormalNormal>(x, 0.8, 0.5, 2.0);
  s.density = std::make_shared<model::ModelDensity>(s.model);
  s.q = std::make_shared<family::MeanFieldGaussian>(1);
  const double mu = s.model->posterior_mean(), var = s.model->posterior_var();
  {
    torch::NoGradGuard no_grad;
    s.q->loc.fill_(mu);
    s.q->log_scale.fill_(0.5 * std::log(var));
  }
  // log_joint(θ) = c − (θ − μ)²/(2 var)  ⇒  log Z = log_joint(μ) + ½ log(2π var).
  auto at_mode = s.density->log_prob(torch::full({1, 1}, mu, torch::kDouble)).item<double>();
  s.log_z = at_mode + 0.5 * (kLog2Pi + std::log(var));
  return s;
}

TEST(ReparamElbo, EqualsLogEvidenceAtTheExactPosterior) {
  auto s = at_posterior();
  auto gen = make_generator(1);
  const auto all = model::Subsample::all(s.model->num_data());
  // log p − log q is the same constant log Z at every draw: exact with any K.
  ReparamElbo sampled(ReparamElboOptions().num_draws(5).analytic_entropy(false));
  EXPECT_NEAR(sampled.estimate(*s.density, *s.q, all, gen).value, s.log_z, 1e-9);
  // With the analytic entropy only E[log p] is estimated: unbiased, not exact.
  // Var(log p) = ½ here (a quadratic in a Gaussian), so the error is ~ √(½/K).
  ReparamElbo analytic(ReparamElboOptions().num_draws(20000));
  EXPECT_NEAR(analytic.estimate(*s.density, *s.q, all, gen).value, s.log_z, 4.5 * std::sqrt(0.5 / 20000));
  EXPECT_NEAR(elbo_value(*s.density, *s.q, 20000, gen), s.log_z, 4.5 * std::sqrt(0.5 / 20000));
}

TEST(ReparamElbo, StickingTheLandingGradientVanishesAtThePosterior) {
  auto s = at_posterior();
  auto gen = make_generator(2);
  const auto all = model::Subsample::all(s.model->num_data());
  ReparamElbo stl(ReparamElboOptions().num_draws(1).stick_the_landing(true));
  auto e = stl.estimate(*s.density, *s.q, all, gen);
  EXPECT_NEAR(e.value, s.log_z, 1e-9);
  e.surrogate.backward();
  EXPECT_LT(s.q->loc.grad().abs().item<double>(), 1e-9);
  EXPECT_LT(s.q->log_scale.grad().abs().item<double>(), 1e-9);

  // The plain estimator is not zero draw by draw.
  s.q->zero_grad();
  ReparamElbo plain(ReparamElboOptions().num_draws(1));
  plain.estimate(*s.density, *s.q, all, gen).surrogate.backward();
  EXPECT_GT(s.q->loc.grad().abs().item<double>() + s.q->log_scale.grad().abs().item<double>(), 1e-3);
}

TEST(ReparamElbo, GradientIsUnbiasedAwayFromThePosterior) {
  // For a Gaussian target N(μ*, v*) (up to log Z) and q = N(m, s²):
  //   ELBO = −((m − μ*)² + s²)/(2v*) + log s + const,
  //   ∂/∂m = −(m − μ*)/v*,   ∂/∂log s = 1 − s²/v*.
  auto s = at_posterior();
  const double mu = s.model->posterior_mean(), var = s.model->posterior_var();
  const double m = mu + 0.7, log_sd = std::log(0.5 * std::sqrt(var));
  {
    torch::NoGradGuard no_grad;
    s.q->loc.fill_(m);
    s.q->log_scale.fill_(log_sd);
  }
  ReparamElbo elbo(ReparamElboOptions().num_draws(4000));
  auto gen = make_generator(9);
  elbo.estimate(*s.density, *s.q, model::Subsample::all(s.model->num_data()), gen).surrogate.backward();
  const double sd2 = std::exp(2 * log_sd);
  const double expected_loc = -(m - mu) / var, expected_scale = 1 - sd2 / var;
  // 4000 draws: Monte-Carlo error of the loc gradient is s/(v*·√4000).
  const double se_loc = std::sqrt(sd2) / var / std::sqrt(4000.0);
  EXPECT_NEAR(s.q->loc.grad().item<double>(), expected_loc, 4.5 * se_loc);
  EXPECT_NEAR(s.q->log_scale.grad().item<double>(), expected_scale, 4.5 * std::sqrt(2.0 / 4000) * sd2 / var + 1e-12);
}

TEST(ReparamElbo, AllDrawsNonFiniteIsANumericalError) {
  struct Broken : model::Model {
    std::string name() const override { return "broken"; }
    std::vector<model::Latent> latents() const override { return {{"x", {}, model::Constraint::real()}}; }
    at::Tensor log_joint(const model::Draws& z, const model::Subsample&) const override {
      return torch::full_like(z["x"], std::nan(""));
    }
  };
  model::ModelDensity density(std::make_shared<Broken>());
  family::MeanFieldGaussian q(1);
  auto gen = make_generator(1);
  ReparamElbo elbo(ReparamElboOptions().num_draws(3));
  EXPECT_THROW(elbo.estimate(density, q, model::Subsample::all(1), gen), NumericalError);
}

}  // namespace
}  // namespace elbo::objective
