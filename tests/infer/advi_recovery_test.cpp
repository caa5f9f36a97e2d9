// Every family × the reparameterised ELBO recovers exact posteriors: a
// conjugate Normal–Normal model and a known-σ Bayesian linear regression with
// correlated coefficients. Mean-field must recover the exact mean and the
// known mean-field optimum variances 1/Λ_ii (Bishop PRML §10.1.2); full-rank
// and low-rank (rank D) the whole covariance, including the correlation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/low_rank_gaussian.hpp"
#include "elbo/family/whitened_family.hpp"
#include "elbo/infer/advi.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::infer {
namespace {

AdviOptions accurate_options(const std::string& family) {
  AdviOptions o;
  o.family = family;
  o.grad_draws = 8;
  o.optimizer.method = "adam";
  o.optimizer.eta = 0.05;
  o.optimizer.schedule = "robbins_monro";
  o.optimizer.tau = 500;
  o.optimizer.kappa = 0.75;
  o.svi.max_iterations = 4000;
  o.svi.tol_rel_obj = 1e-9;  // run to max_iterations, averaging the last 20%
  o.svi.average_iterates = true;
  o.svi.seed = 7;
  return o;
}

std::shared_ptr<testing::NormalNormal> recovery_normal_normal() {
  auto gen = make_generator(3);
  auto x = 2.0 + 1.5 * torch::randn({25}, gen, torch::kDouble);
  return std::make_shared<testing::NormalNormal>(x, 1.5, 0.0, 2.0);
}

class NormalNormalRecovery : public ::testing::TestWithParam<std::string> {};

TEST_P(NormalNormalRecovery, MatchesExactPosterior) {
  auto model = recovery_normal_normal();
  auto fit = advi(model, accurate_options(GetParam()));
  const double sd = std::sqrt(model->posterior_var());
  EXPECT_NEAR(fit.q->mean()[0].item<double>(), model->posterior_mean(), 0.03 * sd);
  if (GetParam() != "pointmass") {
    EXPECT_NEAR(std::sqrt(fit.q->covariance()[0][0].item<double>()) / sd, 1.0, 0.03);
  }
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, NormalNormalRecovery,
                         ::testing::Values("meanfield", "fullrank", "lowrank:1", "pointmass"));

class RegressionRecovery : public ::testing::TestWithParam<std::string> {};

TEST_P(RegressionRecovery, MatchesExactPosterior) {
  auto model = std::make_shared<testing::KnownSigmaRegression>(testing::correlated_regression());
  auto fit = advi(model, accurate_options(GetParam()));
  auto exact_mean = model->posterior_mean();
  auto exact_cov = model->posterior_covariance();
  auto sd = exact_cov.diagonal().sqrt();
  auto err = ((fit.q->mean() - exact_mean) / sd).abs().max().item<double>();
  EXPECT_LT(err, 0.05) << GetParam();

  auto cov = fit.q->covariance();
  if (GetParam() == "meanfield") {
    // Mean-field optimum: variances are the inverse diagonal of the precision.
    auto expected_var = 1.0 / model->posterior_precision().diagonal();
    auto ratio = (cov.diagonal() / expected_var).sqrt();
    EXPECT_LT((ratio - 1).abs().max().item<double>(), 0.05);
  } else if (GetParam().rfind("lowrank", 0) == 0) {
    // Rank r < D cannot represent Σ exactly; check the stationarity conditions of
    // KL(q‖p) against a Gaussian target with precision Λ instead (∂/∂W and ∂/∂ψ):
    //   (Σ⁻¹ − Λ) W = 0   and   diag(Σ⁻¹ − Λ) = 0.
    // q was fitted in coordinates whitened by a diagonal L: W = L W_u on θ's scale.
    auto whitened = std::dynamic_pointer_cast<family::WhitenedFamily>(fit.q);
    ASSERT_TRUE(whitened);
    auto lowrank = std::dynamic_pointer_cast<family::LowRankGaussian>(whitened->inner_ptr());
    ASSERT_TRUE(lowrank);
    auto precision = model->posterior_precision();
    auto residual = torch::inverse(cov) - precision;
    auto W = whitened->scale_tril().matmul(lowrank->factor.detach());
    auto scale = precision.diagonal().sqrt();
    auto relative = residual / (scale.unsqueeze(0) * scale.unsqueeze(1));
    EXPECT_LT(relative.diagonal().abs().max().item<double>(), 0.05);
    EXPECT_LT((residual.matmul(W) / (precision.matmul(W).abs().max())).abs().max().item<double>(), 0.1);
  } else if (GetParam() != "pointmass") {
    auto ratio = (cov.diagonal() / exact_cov.diagonal()).sqrt();
    EXPECT_LT((ratio - 1).abs().max().item<double>(), 0.05) << GetParam();
    auto corr = cov[1][2].item<double>() / std::sqrt(cov[1][1].item<double>() * cov[2][2].item<double>());
    auto exact_corr = exact_cov[1][2].item<double>() /
                      std::sqrt(exact_cov[1][1].item<double>() * exact_cov[2][2].item<double>());
    EXPECT_LT(exact_corr, -0.5);  // the problem really is correlated
    EXPECT_NEAR(corr, exact_corr, 0.03) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, RegressionRecovery,
                         ::testing::Values("meanfield", "fullrank", "lowrank:2", "pointmass"));

TEST(AdviLaplaceStart, FlowsStartAtTheLaplaceApproximationAndMixturesAtItsMode) {
  // A flow is fitted in coordinates whitened by the Laplace approximation and
  // starts at it (identity layers on N(0, I) in u): one tiny step later q is
  // still there, correlation included.
  auto model = std::make_shared<testing::KnownSigmaRegression>(testing::correlated_regression());
  for (const std::string family : {"flow:realnvp*2", "flow:iaf*1", "flow:planar*2"}) {
    AdviOptions o = accurate_options(family);
    o.init = "laplace";
    o.laplace_eta = 1e-6;
    o.svi.max_iterations = 1;
    o.svi.average_iterates = false;
    auto fit = advi(model, o);
    EXPECT_EQ(fit.init_message.rfind("started at the Laplace approximation, in coordinates whitened", 0), 0u)
        << family << ": " << fit.init_message;
    EXPECT_TRUE(fit.whitened);
    auto sd = model->posterior_covariance().diagonal().sqrt();
    EXPECT_LT(((fit.q->mean() - model->posterior_mean()) / sd).abs().max().item<double>(), 0.05)
        << family;
    auto ratio = (fit.q->covariance().diagonal() / model->posterior_covariance().diagonal()).sqrt();
    EXPECT_LT((ratio - 1).abs().max().item<double>(), 0.05) << family;
  }
  // Other families take the start too: centred at the mode, in whitened coordinates.
  AdviOptions o = accurate_options("mixture:2");
  o.init = "laplace";
  o.svi.max_iterations = 1;
  auto fit = advi(model, o);
  EXPECT_TRUE(fit.whitened) << fit.init_message;
  auto sd = model->posterior_covariance().diagonal().sqrt();
  EXPECT_LT(((fit.q->mean() - model->posterior_mean()) / sd).abs().max().item<double>(), 1.5);
}

TEST(AdviDefaultStep, IsTheFamilysOwnWhenNoneIsGiven) {
  // η NaN: the family's default_step_size (RealNVP flows and the hierarchical family take 0.01).
  auto model = recovery_normal_normal();
  for (const auto& [family, expected] :
       std::vector<std::pair<std::string, double>>{{"meanfield", 0.03}, {"flow:iaf*1", 0.03},
                                                   {"flow:realnvp*2", 0.01}, {"hierarchical", 0.01}}) {
    AdviOptions o = accurate_options(family);
    o.optimizer.eta = std::nan("");
    o.init = "zero";  // (after a Laplace start it is laplace_eta)
    o.svi.max_iterations = 1;
    EXPECT_EQ(advi(model, o).eta, expected) << family;
  }
}

}  // namespace
}  // namespace elbo::infer
