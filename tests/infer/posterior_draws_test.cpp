// Draws from a fitted q: PSIS-weighted importance resampling from a pool turns an
// over-dispersed q into draws of the exact posterior (Normal–Normal, closed form in
// gaussian_targets.hpp); without resampling the draws are q's own.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/infer/posterior_draws.hpp"
#include "elbo/model/model_density.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::infer {
namespace {

using torch::kDouble;

struct Setup {
  std::shared_ptr<testing::NormalNormal> model;
  std::shared_ptr<model::ModelDensity> density;
  family::MeanFieldGaussian q{1};
};

// Posterior N(m, s²) and q = N(m + 0.5 s, (2 s)²): shifted and twice as wide, so
// the importance ratios are well behaved (k̂ < 0.5) but q's own moments are wrong.
Setup make_setup() {
  Setup s;
  auto gen = make_generator(11);
  auto x = 1.0 + 2.0 * torch::randn({20}, gen, kDouble);
  s.model = std::make_shared<testing::NormalNormal>(x, 2.0, 0.0, 3.0);
  s.density = std::make_shared<model::ModelDensity>(s.model);
  const double m = s.model->posterior_mean(), sd = std::sqrt(s.model->posterior_var());
  torch::NoGradGuard no_grad;
  s.q.loc.fill_(m + 0.5 * sd);
  s.q.log_scale.fill_(std::log(2.0 * sd));
  return s;
}

TEST(PosteriorDraws, ResamplingFromAPoolRecoversTheExactPosterior) {
  auto s = make_setup();
  PosteriorDrawsOptions o;
  o.num_draws = 4000;
  o.resample = "always";
  o.resample_pool = 10;
  o.seed = 5;
  auto d = draw_posterior(*s.density, s.q, o);
  ASSERT_TRUE(d.resampled);
  EXPECT_EQ(d.values.size(0), 4000);
  EXPECT_EQ(static_cast<int64_t>(d.psis.log_weights.size()), 40000);  // k̂ over the whole pool
  EXPECT_LT(d.psis.k_hat, 0.5);
  const double m = s.model->posterior_mean(), sd = std::sqrt(s.model->posterior_var());
  auto v = d.values.select(1, 0);
  // 4000 resampled draws with ESS ≥ ~2000: mean within ~4 MC standard errors,
  // sd within 6 % (q alone has mean m + 0.5 sd and sd 2 sd).
  EXPECT_NEAR(v.mean().item<double>(), m, 4.0 * sd / std::sqrt(2000.0));
  EXPECT_NEAR(v.std().item<double>() / sd, 1.0, 0.06);
  // log p and log q follow the resampled rows.
  auto theta = v.unsqueeze(1);
  EXPECT_TRUE(torch::allclose(d.log_p, s.density->log_prob(theta)));
  EXPECT_TRUE(torch::allclose(d.log_q, s.q.log_prob(theta)));
}

TEST(PosteriorDraws, NeverResamplingReturnsDrawsOfQ) {
  auto s = make_setup();
  PosteriorDrawsOptions o;
  o.num_draws = 4000;
  o.resample = "never";
  auto d = draw_posterior(*s.density, s.q, o);
  EXPECT_FALSE(d.resampled);
  EXPECT_EQ(d.values.size(0), 4000);
  EXPECT_EQ(static_cast<int64_t>(d.psis.log_weights.size()), 4000);
  const double m = s.model->posterior_mean(), sd = std::sqrt(s.model->posterior_var());
  auto v = d.values.select(1, 0);
  EXPECT_NEAR(v.mean().item<double>(), m + 0.5 * sd, 4.0 * 2.0 * sd / std::sqrt(4000.0));
  EXPECT_NEAR(v.std().item<double>() / (2.0 * sd), 1.0, 0.05);
}

TEST(PosteriorDraws, AutoKeepsTheFirstDrawsOfThePoolWhenKHatIsLarge) {
  auto s = make_setup();
  torch::NoGradGuard no_grad;
  // q narrower than p and off-centre: heavy-tailed ratios, k̂ ≥ 0.7, so auto does not
  // resample.
  const double sd = std::sqrt(s.model->posterior_var());
  s.q.loc.fill_(s.model->posterior_mean() + 3.0 * sd);
  s.q.log_scale.fill_(std::log(0.3 * sd));
  PosteriorDrawsOptions o;
  o.num_draws = 500;
  o.resample = "auto";
  o.resample_pool = 4;
  auto d = draw_posterior(*s.density, s.q, o);
  EXPECT_GE(d.psis.k_hat, 0.7);
  EXPECT_FALSE(d.resampled);
  EXPECT_EQ(d.values.size(0), 500);
  EXPECT_EQ(d.log_p.size(0), 500);
}

TEST(PosteriorDraws, RejectsANonPositivePool) {
  auto s = make_setup();
  PosteriorDrawsOptions o;
  o.resample_pool = 0;
  EXPECT_THROW(draw_posterior(*s.density, s.q, o), ConfigError);
}

}  // namespace
}  // namespace elbo::infer
