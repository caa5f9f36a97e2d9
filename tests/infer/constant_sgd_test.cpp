// Constant-SGD sampling (Mandt, Hoffman & Blei 2017) on Bayesian linear
// regression with known noise, whose posterior N(m, Λ⁻¹) is known in closed form:
//   - the start is the MAP (= m);
//   - the estimated noise covariance B Bᵀ matches the population covariance of
//     the per-data-point gradients z_n (y_n − z_nᵀ m)/σ², computed here by hand
//     (minibatches are drawn with replacement, so Cov(ĝ_S) = B Bᵀ / S exactly);
//   - the step is ε* = 2 (S/N) D / tr(B Bᵀ) (eq. 13), recomputed here;
//   - with the preconditioner of Theorem 2 the iterates' covariance matches the
//     posterior covariance of a correlated problem: posterior sds within 12%
//     and correlations within 0.12 (≈ 3 Monte-Carlo standard errors: the
//     iterates are AR(1) with coefficient 1 − 2S/N = 0.98, so 60 000 steps
//     give an effective sample size of ~600 for the second moments; the
//     O(S/N) discretisation inflation adds ≈ 1%, and the noise covariance
//     is estimated from 3000 minibatches, ≈ 2%);
//   - with the scalar ε* on an isotropic design (Λ ∝ I, B Bᵀ ∝ I, where the
//     scalar rule is exact) the same holds.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/infer/constant_sgd.hpp"
#include "elbo/model/model_density.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::infer {
namespace {

struct Problem {
  at::Tensor X, y;
  double sigma = 1.0, s_alpha = 5.0, s_beta = 1.0;
  std::shared_ptr<testing::KnownSigmaRegression> model;
  std::shared_ptr<model::ModelDensity> density;
};

Problem make_problem(int64_t n, double feature_correlation, uint64_t seed) {
  Problem pr;
  auto gen = make_generator(seed);
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto u = torch::randn({n, 1}, gen, opts);
  const double c = feature_correlation, s = std::sqrt(1 - c * c);
  pr.X = torch::cat({std::sqrt(c) * u + std::sqrt(1 - c) * torch::randn({n, 1}, gen, opts),
                     std::sqrt(c) * u + std::sqrt(1 - c) * torch::randn({n, 1}, gen, opts)}, 1);
  (void)s;
  pr.y = 0.5 + pr.X.matmul(torch::tensor({1.0, -0.5}, opts)) + pr.sigma * torch::randn({n}, gen, opts);
  pr.model = std::make_shared<testing::KnownSigmaRegression>(pr.X, pr.y, pr.sigma, pr.s_alpha, pr.s_beta);
  pr.density = std::make_shared<model::ModelDensity>(pr.model);
  return pr;
}

// Population covariance of the per-point likelihood gradients at θ.
at::Tensor per_point_gradient_covariance(const Problem& pr, const at::Tensor& theta) {
  auto Z = torch::cat({torch::ones({pr.X.size(0), 1}, pr.X.options()), pr.X}, 1);
  auto r = (pr.y - Z.matmul(theta)) / (pr.sigma * pr.sigma);
  auto g = Z * r.unsqueeze(1);  // [N, D]
  auto c = g - g.mean(0);
  return c.t().matmul(c) / static_cast<double>(pr.X.size(0));
}

void expect_covariance_close(const at::Tensor& draws, const at::Tensor& cov, double sd_tol, double corr_tol) {
  auto centred = draws - draws.mean(0);
  auto sample = centred.t().matmul(centred) / static_cast<double>(draws.size(0) - 1);
  auto sd = sample.diagonal().sqrt(), sd_ref = cov.diagonal().sqrt();
  auto corr = sample / torch::outer(sd, sd), corr_ref = cov / torch::outer(sd_ref, sd_ref);
  std::cerr << "iterate sd " << sd << " posterior sd " << sd_ref << "\niterate corr " << corr
            << " posterior corr " << corr_ref << "\n";
  EXPECT_TRUE(((sd / sd_ref - 1).abs() <= sd_tol).all().item<bool>());
  EXPECT_TRUE(((corr - corr_ref).abs() <= corr_tol).all().item<bool>());
}

TEST(ConstantSgd, StepRuleAndNoiseCovarianceMatchTheClosedForm) {
  auto pr = make_problem(400, 0.5, 1);
  const int64_t S = 8, N = 400, D = 3;
  auto result = constant_sgd(pr.density,
                             ConstantSgdOptions().batch_size(S).num_draws(1).burn_in(0).noise_batches(6000));
  auto m = pr.model->posterior_mean();
  EXPECT_TRUE(torch::allclose(result.start, m, 1e-6, 1e-7)) << result.start << m;
  // The formula applied to the returned estimate, to round-off.
  const double trace = result.noise_covariance.trace().item<double>();
  EXPECT_NEAR(result.step_size, 2.0 * S / N * D / trace, 1e-12 * result.step_size);
  EXPECT_DOUBLE_EQ(optimal_constant_step(S, N, result.noise_covariance), result.step_size);
  // The estimate against the exact per-point covariance (6000 batches: a few % error).
  auto exact = per_point_gradient_covariance(pr, m);
  auto scale = exact.diagonal().sqrt();
  auto rel = (result.noise_covariance - exact) / torch::outer(scale, scale);
  EXPECT_LT(rel.abs().max().item<double>(), 0.1) << result.noise_covariance << exact;
  const double eps_exact = 2.0 * S / N * D / exact.trace().item<double>();
  EXPECT_NEAR(result.step_size, eps_exact, 0.08 * eps_exact);
  EXPECT_TRUE(torch::equal(result.preconditioner, torch::eye(D, torch::kDouble)));
}

TEST(ConstantSgd, PreconditionedIteratesHaveThePosteriorCovariance) {
  auto pr = make_problem(500, 0.8, 2);
  auto result = constant_sgd(pr.density, ConstantSgdOptions()
                                             .batch_size(5)
                                             .precondition(true)
                                             .num_draws(3000)
                                             .thin(20)
                                             .burn_in(1000)
                                             .noise_batches(3000)
                                             .seed(3));
  EXPECT_EQ(result.draws.size(0), 3000);
  EXPECT_EQ(result.iterations, 61000);
  // H = (2S/(εN)) (BBᵀ)⁻¹.
  auto expected_h = (2.0 * 5 / (result.step_size * 500)) * torch::inverse(result.noise_covariance);
  EXPECT_TRUE(torch::allclose(result.preconditioner, expected_h, 1e-8, 1e-10));
  auto cov = pr.model->posterior_covariance();
  expect_covariance_close(result.draws, cov, 0.12, 0.12);
  // The mean is the posterior mean within a few posterior sds / √ESS.
  auto z = (result.draws.mean(0) - pr.model->posterior_mean()) / cov.diagonal().sqrt();
  EXPECT_LT(z.abs().max().item<double>(), 0.25);
}

TEST(ConstantSgd, ScalarStepIsExactOnAnIsotropicProblem) {
  auto pr = make_problem(500, 0.0, 4);
  auto result = constant_sgd(pr.density,
                             ConstantSgdOptions().batch_size(5).num_draws(3000).thin(20).burn_in(1000).noise_batches(3000).seed(5));
  expect_covariance_close(result.draws, pr.model->posterior_covariance(), 0.12, 0.12);
}

TEST(ConstantSgd, BadOptionsAreConfigErrors) {
  auto pr = make_problem(50, 0.0, 1);
  EXPECT_THROW(constant_sgd(pr.density, ConstantSgdOptions().batch_size(50)), ConfigError);
  EXPECT_THROW(constant_sgd(pr.density, ConstantSgdOptions().batch_size(0)), ConfigError);
  EXPECT_THROW(constant_sgd(pr.density, ConstantSgdOptions().thin(0)), ConfigError);
  EXPECT_THROW(constant_sgd(pr.density, ConstantSgdOptions().step_size(-1)), ConfigError);
  EXPECT_THROW(constant_sgd(pr.density, ConstantSgdOptions().precondition(true).noise_batches(3)), ConfigError);
  EXPECT_THROW(constant_sgd(nullptr), ConfigError);
  struct NoData : model::LogDensity {
    int64_t dim() const override { return 1; }
    using LogDensity::log_prob;
    at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
      return -0.5 * theta.square().sum(1);
    }
  };
  EXPECT_THROW(constant_sgd(std::make_shared<NoData>()), ConfigError);
}

}  // namespace
}  // namespace elbo::infer
