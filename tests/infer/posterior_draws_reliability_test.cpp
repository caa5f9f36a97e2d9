// draw_posterior never reports a NaN k̂ for a density q (+inf with the reason),
// refuses to resample when the importance ESS is tiny (unless forced), and gives
// the PSIS weights of the written draws, whose weighted summary corrects a q that
// is off-centre.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <memory>

#include "elbo/core/random.hpp"
#include "elbo/diagnostics/summary.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/infer/fit_reliability.hpp"
#include "elbo/infer/posterior_draws.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/models/gaussian_target.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::infer {
namespace {

using torch::kDouble;
constexpr double kInf = std::numeric_limits<double>::infinity();

// log p = −inf (or NaN) everywhere: a q entirely outside the model's support.
class Nowhere : public model::Model {
 public:
  explicit Nowhere(double value) : value_(value) {}
  std::string name() const override { return "nowhere"; }
  std::vector<model::Latent> latents() const override { return {{"theta", {}, model::Constraint::real()}}; }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample&) const override {
    return torch::full_like(z["theta"], value_);
  }

 private:
  double value_;
};

TEST(PosteriorDrawsReliability, KHatIsInfWithAReasonWhenEveryLogDensityIsNonFinite) {
  for (double value : {-kInf, std::numeric_limits<double>::quiet_NaN()}) {
    model::ModelDensity density(std::make_shared<Nowhere>(value));
    family::MeanFieldGaussian q(1);
    PosteriorDrawsOptions o;
    o.num_draws = 200;
    o.resample = "never";
    auto d = draw_posterior(density, q, o);
    EXPECT_EQ(d.psis.k_hat, kInf);
    EXPECT_NE(d.k_hat_reason.find("non-finite log density"), std::string::npos) << d.k_hat_reason;
    EXPECT_EQ(d.psis.ess, 0.0);
    EXPECT_EQ(d.nonfinite_log_p, 200);
    EXPECT_EQ(d.pool_draws, 200);
    EXPECT_FALSE(d.log_weights.defined());
    EXPECT_FALSE(psis_weights_usable(d));
    // Asked to resample, it cannot: q's draws are kept and it says why.
    o.resample = "force";
    auto f = draw_posterior(density, q, o);
    EXPECT_FALSE(f.resampled);
    EXPECT_TRUE(f.resample_refused);
    EXPECT_EQ(f.values.size(0), 200);
  }
}

TEST(PosteriorDrawsReliability, KHatIsInfWhenTooFewDrawsFitTheTail) {
  auto x = torch::zeros({5}, kDouble);
  model::ModelDensity density(std::make_shared<testing::NormalNormal>(x, 1.0, 0.0, 1.0));
  family::MeanFieldGaussian q(1);
  PosteriorDrawsOptions o;
  o.num_draws = 10;  // a tail of 2 < 5: psis() alone gives NaN
  o.resample = "never";
  auto d = draw_posterior(density, q, o);
  EXPECT_EQ(d.psis.k_hat, kInf);
  EXPECT_NE(d.k_hat_reason.find("too few"), std::string::npos) << d.k_hat_reason;
  EXPECT_FALSE(psis_weights_usable(d));
}

TEST(PosteriorDrawsReliability, AFiniteKHatHasNoReasonAndWeightsForTheWrittenDraws) {
  auto x = torch::zeros({5}, kDouble);
  model::ModelDensity density(std::make_shared<testing::NormalNormal>(x, 1.0, 0.0, 1.0));
  family::MeanFieldGaussian q(1);
  PosteriorDrawsOptions o;
  o.num_draws = 300;
  o.resample = "auto";  // pool of 10 × 300; k̂ is large here, so no resampling
  {
    torch::NoGradGuard no_grad;
    q.loc.fill_(2.0);
    q.log_scale.fill_(std::log(0.2));
  }
  auto d = draw_posterior(density, q, o);
  EXPECT_TRUE(std::isfinite(d.psis.k_hat));
  EXPECT_TRUE(d.k_hat_reason.empty());
  EXPECT_EQ(d.pool_draws, 3000);
  ASSERT_TRUE(d.log_weights.defined());
  EXPECT_EQ(d.log_weights.size(0), 300);  // the written draws, renormalised over them
  EXPECT_NEAR(torch::logsumexp(d.log_weights, 0).item<double>(), 0.0, 1e-12);
}

// q narrow and 4 sds off: the importance ESS is near 1.
struct BadFit {
  std::shared_ptr<testing::NormalNormal> model;
  std::shared_ptr<model::ModelDensity> density;
  family::MeanFieldGaussian q{1};
};

BadFit bad_fit() {
  BadFit b;
  auto gen = make_generator(3);
  b.model = std::make_shared<testing::NormalNormal>(torch::randn({20}, gen, kDouble), 1.0, 0.0, 3.0);
  b.density = std::make_shared<model::ModelDensity>(b.model);
  const double sd = std::sqrt(b.model->posterior_var());
  torch::NoGradGuard no_grad;
  b.q.loc.fill_(b.model->posterior_mean() + 4.0 * sd);
  b.q.log_scale.fill_(std::log(0.1 * sd));
  return b;
}

TEST(PosteriorDrawsReliability, AlwaysDoesNotResampleWhenTheEssIsTiny) {
  auto b = bad_fit();
  PosteriorDrawsOptions o;
  o.num_draws = 1000;
  o.resample = "always";
  o.resample_pool = 4;
  auto d = draw_posterior(*b.density, b.q, o);
  ASSERT_LT(d.psis.ess, min_resample_ess(d.pool_draws));
  EXPECT_FALSE(d.resampled);
  EXPECT_TRUE(d.resample_refused);
  EXPECT_NE(d.resample_message.find("importance ESS"), std::string::npos) << d.resample_message;
  EXPECT_EQ(d.values.size(0), 1000);
  // q's own draws: their sd is q's (0.1 posterior sd), not ~0.
  const double q_sd = 0.1 * std::sqrt(b.model->posterior_var());
  EXPECT_NEAR(d.values.select(1, 0).std().item<double>() / q_sd, 1.0, 0.1);

  o.resample = "force";
  auto f = draw_posterior(*b.density, b.q, o);
  EXPECT_TRUE(f.resampled);
  EXPECT_FALSE(f.resample_refused);
  // Many copies: far fewer distinct values than draws.
  auto distinct = std::get<0>(at::_unique(f.values.select(1, 0)));
  EXPECT_LT(distinct.numel(), 700) << "ESS " << f.psis.ess;
}

// A Gaussian target and a full-rank q with its covariance, shifted by 0.5 sd in
// every coordinate: the PSIS-weighted mean is within 0.1 sd of the truth while
// q's own mean is 0.5 sd off.
TEST(PosteriorDrawsReliability, PsisWeightedSummaryCorrectsAShiftedGaussian) {
  auto mean = torch::tensor({1.0, -2.0}, kDouble);
  auto cov = torch::tensor({{4.0, 1.2}, {1.2, 1.0}}, kDouble);
  auto density = std::make_shared<model::ModelDensity>(std::make_shared<models::GaussianTarget>(mean, cov));
  family::FullRankGaussian q(2);
  auto sd = cov.diagonal().sqrt();
  q.initialize_gaussian(mean + 0.5 * sd, torch::inverse(cov));
  PosteriorDrawsOptions o;
  o.num_draws = 4000;
  o.resample = "never";
  o.seed = 17;
  auto d = draw_posterior(*density, q, o);
  EXPECT_LT(d.psis.k_hat, 0.5);
  ASSERT_TRUE(psis_weights_usable(d));
  Eigen::MatrixXd values(d.values.size(0), 2);
  auto w_tensor = d.log_weights.exp().contiguous();
  Eigen::VectorXd w(d.values.size(0));
  for (int64_t i = 0; i < d.values.size(0); ++i) {
    values(i, 0) = d.values[i][0].item<double>();
    values(i, 1) = d.values[i][1].item<double>();
    w[i] = w_tensor[i].item<double>();
  }
  auto weighted = diagnostics::summarize(values, d.names, w);
  auto plain = diagnostics::summarize(values, d.names);
  for (int j = 0; j < 2; ++j) {
    const double m = mean[j].item<double>(), s = sd[j].item<double>();
    EXPECT_LT(std::abs(weighted.parameters[j].mean - m) / s, 0.1) << j;
    EXPECT_GT(std::abs(plain.parameters[j].mean - m) / s, 0.4) << j;
    EXPECT_NEAR(weighted.parameters[j].sd / s, 1.0, 0.1) << j;
    EXPECT_LT(std::abs(weighted.parameters[j].quantiles[1] - m) / s, 0.15) << j;  // median
  }
}

}  // namespace
}  // namespace elbo::infer
