// Pathfinder: exact on an isotropic Gaussian target and close on a correlated one, the Laplace
// approximation's moments on a logistic regression, an equal-weight mixture of
// num_paths components, reproducibility under a seed, PSIS resampling of the
// mixture through draw_posterior, and failure reporting.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/gaussian_mixture.hpp"
#include "elbo/infer/laplace.hpp"
#include "elbo/infer/pathfinder.hpp"
#include "elbo/infer/posterior_draws.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/models/gaussian_target.hpp"
#include "elbo/models/logistic_regression.hpp"

namespace elbo::infer {
namespace {

using torch::kDouble;

std::string sci(double v) {
  std::ostringstream out;
  out.precision(3);
  out << std::scientific << v;
  return out.str();
}

double pathfinder_max_rel_error(const at::Tensor& actual, const at::Tensor& expected) {
  return ((actual - expected).abs().max() / expected.abs().max()).item<double>();
}

std::shared_ptr<models::GaussianTarget> gaussian_target() {
  auto gen = make_generator(17);
  const int64_t D = 5;
  auto B = torch::randn({D, D}, gen, kDouble);
  auto cov = B.matmul(B.t()) / D + 0.5 * torch::eye(D, kDouble);
  auto mean = torch::randn({D}, gen, kDouble) * 2.0;
  return std::make_shared<models::GaussianTarget>(mean, cov);
}

/// KL(N(m1, S1) ‖ N(m0, S0)).
double gaussian_kl(const at::Tensor& m1, const at::Tensor& S1, const at::Tensor& m0,
                   const at::Tensor& S0) {
  auto P0 = torch::inverse(S0);
  auto d = m0 - m1;
  return 0.5 * ((P0.matmul(S1)).trace().item<double>() + d.dot(P0.matmul(d)).item<double>() -
                static_cast<double>(m1.size(0)) + torch::logdet(S0).item<double>() -
                torch::logdet(S1).item<double>());
}

TEST(Pathfinder, SinglePathIsExactOnAnIsotropicGaussianTarget) {
  // Σ = 0.3² I: the diagonal estimate is exact after one pair (α = sᵀy / yᵀy = 0.09) and
  // the BFGS updates leave an exact H⁻¹ unchanged, so every Gaussian on the path is
  // N(μ, Σ) itself and log p − log q = log Z = 0 at every draw.
  const int64_t D = 5;
  auto mean = torch::tensor({1.0, -2.0, 0.5, 3.0, -1.0}, kDouble);
  auto cov = 0.09 * torch::eye(D, kDouble);
  auto target = std::make_shared<models::GaussianTarget>(mean, cov);
  auto r = pathfinder(std::make_shared<model::ModelDensity>(target),
                      PathfinderOptions().num_paths(1).history_size(6));
  const auto& path = r.paths[0];
  ASSERT_FALSE(path.failed) << path.message;
  const double mean_err = (path.mean - mean).abs().max().item<double>();
  const double cov_err = pathfinder_max_rel_error(path.covariance, cov);
  EXPECT_LT(mean_err, 1e-6) << path.message;
  EXPECT_LT(cov_err, 1e-3) << path.message;
  EXPECT_NEAR(path.elbo, 0.0, 1e-6);
  auto q = std::dynamic_pointer_cast<family::FullRankGaussian>(r.q);
  ASSERT_TRUE(q);
  EXPECT_LT((q->mean() - mean).abs().max().item<double>(), 1e-6);
  EXPECT_LT(pathfinder_max_rel_error(q->covariance(), cov), 1e-3);
  RecordProperty("mean_error", sci(mean_err));
  RecordProperty("covariance_relative_error", sci(cov_err));
}

TEST(Pathfinder, SinglePathIsCloseOnACorrelatedGaussianTarget) {
  // With Wolfe (not exact) line searches the (s, y) pairs are not conjugate, so the
  // BFGS estimate from J = 6 ≥ D = 5 pairs is not A⁻¹ exactly, and the K-draw ELBO
  // picks among approximations; the winner is a close Gaussian, not the target.
  auto target = gaussian_target();
  auto density = std::make_shared<model::ModelDensity>(target);
  auto r = pathfinder(density, PathfinderOptions().num_paths(1).history_size(6));
  ASSERT_EQ(r.paths.size(), 1u);
  const auto& path = r.paths[0];
  ASSERT_FALSE(path.failed) << path.message;
  auto sd = target->covariance().diagonal().sqrt();
  const double mean_err_sd = ((path.mean - target->mean()).abs() / sd).max().item<double>();
  const double sd_err = (path.covariance.diagonal().sqrt() / sd - 1.0).abs().max().item<double>();
  const double kl = gaussian_kl(path.mean, path.covariance, target->mean(), target->covariance());
  RecordProperty("mean_error_in_sd", sci(mean_err_sd));
  RecordProperty("sd_relative_error", sci(sd_err));
  RecordProperty("kl", sci(kl));
  RecordProperty("best_iteration", std::to_string(path.best_iteration));
  RecordProperty("iterations", std::to_string(path.iterations));
  EXPECT_LT(mean_err_sd, 0.1);
  EXPECT_LT(sd_err, 0.3);
  EXPECT_LT(kl, 0.25);
  EXPECT_GT(r.gradient_evaluations, 0);
}

std::shared_ptr<model::ModelDensity> logistic_density(uint64_t seed) {
  auto gen = make_generator(seed);
  const int64_t N = 400;
  auto X = torch::randn({N, 3}, gen, kDouble);
  auto eta = 0.3 + X.matmul(torch::tensor({1.0, -0.5, 0.8}, kDouble));
  auto y = (torch::rand({N}, gen, kDouble) < torch::sigmoid(eta)).to(torch::kDouble);
  return std::make_shared<model::ModelDensity>(std::make_shared<models::LogisticRegression>(X, y));
}

TEST(Pathfinder, SinglePathMatchesLaplaceOnLogisticRegression) {
  // N = 400, D = 4: the posterior is close to Gaussian, and every Gaussian near the
  // end of the path has μ_l at the mode (a quasi-Newton step from x_l) with the L-BFGS
  // estimate of the curvature from J = 6 ≥ D non-conjugate pairs (sds 0–30% off).
  // Which iterate wins is decided by a K-draw ELBO estimate, and a 27% sd error costs
  // only ~0.07 nats of ELBO, below the estimate's noise at K = 25: so with the default
  // K the tolerance is 0.25 sd on the means and 35% on the sds (measured over data
  // seeds 23…30: ≤ 0.10 sd and ≤ 27%). With K = 200 the selection noise is gone and
  // the means agree to 1e-3 sd and the sds to 15%, the L-BFGS estimate's own error
  // (measured: ≤ 4e-6 sd, ≤ 8.7%).
  double worst_mean = 0.0, worst_sd = 0.0, worst_mean_k = 0.0, worst_sd_k = 0.0;
  for (uint64_t seed : {23, 24, 25}) {
    auto density = logistic_density(seed);
    auto laplace_fit = laplace(density);
    ASSERT_TRUE(laplace_fit.converged) << laplace_fit.message;
    auto lap_sd = laplace_fit.covariance.diagonal().sqrt();
    auto errors = [&](const PathfinderResult& r) {
      auto sd = r.paths[0].covariance.diagonal().sqrt();
      return std::make_pair(((r.paths[0].mean - laplace_fit.mode).abs() / lap_sd).max().item<double>(),
                            (sd / lap_sd - 1.0).abs().max().item<double>());
    };
    auto r = pathfinder(density, PathfinderOptions().num_paths(1).seed(seed));
    ASSERT_FALSE(r.paths[0].failed) << r.paths[0].message;
    auto [mean_err, sd_err] = errors(r);
    EXPECT_LT(mean_err, 0.25) << "data seed " << seed;
    EXPECT_LT(sd_err, 0.35) << "data seed " << seed;
    auto many = pathfinder(density, PathfinderOptions().num_paths(1).seed(seed).elbo_draws(200));
    auto [mean_err_k, sd_err_k] = errors(many);
    EXPECT_LT(mean_err_k, 1e-3) << "data seed " << seed;
    EXPECT_LT(sd_err_k, 0.15) << "data seed " << seed;
    worst_mean = std::max(worst_mean, mean_err);
    worst_sd = std::max(worst_sd, sd_err);
    worst_mean_k = std::max(worst_mean_k, mean_err_k);
    worst_sd_k = std::max(worst_sd_k, sd_err_k);
  }
  RecordProperty("mean_error_in_sd_K25", sci(worst_mean));
  RecordProperty("sd_relative_error_K25", sci(worst_sd));
  RecordProperty("mean_error_in_sd_K200", sci(worst_mean_k));
  RecordProperty("sd_relative_error_K200", sci(worst_sd_k));
}

TEST(Pathfinder, FactorisedGaussianMatchesItsDenseForm) {
  // D = 20 > 2J = 6: the ELBO draws and log q use the thin-QR factorisation; with
  // 4000 ELBO draws the estimate must equal −KL(q ‖ p) computed from the dense Σ
  // returned (p is a normalised Gaussian, so the ELBO is −KL exactly in expectation).
  auto gen = make_generator(41);
  const int64_t D = 20;
  auto B = torch::randn({D, D}, gen, kDouble);
  auto cov = B.matmul(B.t()) / D + 0.2 * torch::eye(D, kDouble);
  auto target = std::make_shared<models::GaussianTarget>(torch::randn({D}, gen, kDouble), cov);
  auto r = pathfinder(std::make_shared<model::ModelDensity>(target),
                      PathfinderOptions().num_paths(1).history_size(3).elbo_draws(4000));
  const auto& path = r.paths[0];
  ASSERT_FALSE(path.failed) << path.message;
  const double kl = gaussian_kl(path.mean, path.covariance, target->mean(), target->covariance());
  RecordProperty("elbo", sci(path.elbo));
  RecordProperty("minus_kl", sci(-kl));
  EXPECT_NEAR(path.elbo, -kl, 0.05 + 0.05 * kl);
  EXPECT_TRUE(std::dynamic_pointer_cast<family::FullRankGaussian>(r.q) != nullptr);
}

TEST(Pathfinder, MultiPathIsAnEqualWeightMixture) {
  auto density = logistic_density(29);
  auto r = pathfinder(density, PathfinderOptions().num_paths(4).seed(3));
  ASSERT_EQ(r.paths.size(), 4u);
  auto q = std::dynamic_pointer_cast<family::GaussianMixture>(r.q);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->num_components(), 4);
  EXPECT_LT((q->weights() - 0.25).abs().max().item<double>(), 1e-12);
  auto lap = laplace(density);
  auto lap_sd = lap.covariance.diagonal().sqrt();
  for (int64_t c = 0; c < 4; ++c) {
    EXPECT_FALSE(r.paths[c].failed) << r.paths[c].message;
    EXPECT_LT(((q->loc[c] - lap.mode).abs() / lap_sd).max().item<double>(), 0.2) << "path " << c;
  }
  ASSERT_GE(r.best_path, 0);
  for (const auto& path : r.paths) EXPECT_LE(path.elbo, r.paths[r.best_path].elbo);
  // PSIS over the pooled mixture draws: reliable and close to the posterior.
  PosteriorDrawsOptions draw_options;
  draw_options.num_draws = 1000;
  auto draws = draw_posterior(*density, *r.q, draw_options);
  EXPECT_LT(draws.psis.k_hat, 0.7);
  EXPECT_TRUE(draws.resampled);
  auto mean = draws.values.mean(0);
  EXPECT_LT(((mean.slice(0, 0, 4) - lap.mode).abs() / lap_sd).max().item<double>(), 0.2);
}

TEST(Pathfinder, ReproducibleUnderSeed) {
  auto density = logistic_density(31);
  auto a = pathfinder(density, PathfinderOptions().num_paths(2).seed(5));
  auto b = pathfinder(density, PathfinderOptions().num_paths(2).seed(5));
  auto c = pathfinder(density, PathfinderOptions().num_paths(2).seed(6));
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(torch::equal(a.paths[i].mean, b.paths[i].mean));
    EXPECT_TRUE(torch::equal(a.paths[i].covariance, b.paths[i].covariance));
    EXPECT_EQ(a.paths[i].elbo, b.paths[i].elbo);
  }
  EXPECT_FALSE(torch::equal(a.paths[0].mean, c.paths[0].mean));
}

/// log p is NaN everywhere: every path fails at its start.
class NowhereFinite : public model::LogDensity {
 public:
  int64_t dim() const override { return 2; }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
    return theta.sum(1) * std::numeric_limits<double>::quiet_NaN();
  }
};

TEST(Pathfinder, AllPathsFailingIsANumericalError) {
  try {
    pathfinder(std::make_shared<NowhereFinite>(), PathfinderOptions().num_paths(3));
    FAIL() << "expected NumericalError";
  } catch (const NumericalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("all 3 paths failed"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(Pathfinder, RejectsBadOptions) {
  auto density = std::make_shared<model::ModelDensity>(gaussian_target());
  EXPECT_THROW(pathfinder(density, PathfinderOptions().num_paths(0)), ConfigError);
  EXPECT_THROW(pathfinder(density, PathfinderOptions().elbo_draws(0)), ConfigError);
  EXPECT_THROW(pathfinder(density, PathfinderOptions().init(torch::zeros({3}, kDouble))),
               DomainError);
  EXPECT_THROW(pathfinder(nullptr), ConfigError);
}

}  // namespace
}  // namespace elbo::infer
