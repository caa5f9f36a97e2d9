// The χ upper bound (Dieng et al. 2017): at q = p(θ | x) it is log p(x) for any
// draws; on a mismatched q, CUBO₂ ≥ log p(x) ≥ ELBO with the true CUBO by
// quadrature and the ELBO by the Gaussian KL in closed form; its surrogate's
// gradient is a positive multiple of −∇CUBÔ (minimisation); and CHIVI fits to a
// correlated Gaussian are mass-covering: a mean-field Gaussian's variance lands
// at the χ²-optimal one (closed-form CUBO minimised in the test), above the
// marginal variance 1, while KL(q‖p) gives the conditional variance 1 − ρ² and
// Rényi α = 0.5 its closed-form D_0.5 optimum in between — the documented
// ordering KL < Rényi(0.5) < marginal < CHIVI; α < 0 over-disperses erratically.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/objective/chi_upper_bound.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "elbo/objective/renyi_bound.hpp"
#include "objective/bound_targets.hpp"

namespace elbo::objective {
namespace {

using testing::NormalNormal2;

TEST(ChiUpperBound, IsTheLogEvidenceAtTheExactPosterior) {
  NormalNormal2 p;
  auto q = testing::full_rank_at(p.posterior_mean(), p.posterior_covariance());
  for (double n : {1.5, 2.0, 3.0}) {
    ChiUpperBound chi(ChiUpperBoundOptions().n(n).num_draws(4));
    for (uint64_t seed : {1, 2, 3}) {
      auto gen = make_generator(seed);
      EXPECT_NEAR(chi.estimate(p, *q, model::Subsample::all(p.num_data()), gen).value, p.log_evidence(), 1e-9);
    }
  }
  EXPECT_EQ(ChiUpperBound().name(), "chi:2");
  EXPECT_EQ(ChiUpperBound().bound_kind(), BoundKind::upper);
}

TEST(ChiUpperBound, SandwichesTheLogEvidenceWithTheElbo) {
  NormalNormal2 p;
  const double log_z = p.log_evidence();
  auto post_mean = p.posterior_mean(), post_cov = p.posterior_covariance();
  auto q_mean = post_mean + torch::tensor({0.3, 0.2}, torch::kDouble);
  auto q_cov = 1.8 * post_cov;
  auto q = testing::full_rank_at(q_mean, q_cov);
  // True CUBO₂ = ½ log ∫ p(x, θ)²/q(θ) dθ by a 2-D grid (posterior sd ≲ 0.5).
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  const int G = 401;
  auto sd = post_cov.diagonal().sqrt();
  auto g0 = torch::linspace(-9, 9, G, opts) * sd[0] + post_mean[0];
  auto g1 = torch::linspace(-9, 9, G, opts) * sd[1] + post_mean[1];
  auto grid = torch::stack(torch::meshgrid({g0, g1}, "ij"), -1).reshape({-1, 2});
  const double cell = ((g0[1] - g0[0]) * (g1[1] - g1[0])).item<double>();
  torch::NoGradGuard no_grad;
  auto log_joint = p.log_prob(grid);
  auto log_q = testing::mvn_log_density(grid, q_mean, q_cov);
  const double cubo_true = 0.5 * (torch::logsumexp(2 * log_joint - log_q, 0).item<double>() + std::log(cell));
  // Sanity of the grid: it integrates the joint to p(x).
  EXPECT_NEAR(torch::logsumexp(log_joint, 0).item<double>() + std::log(cell), log_z, 1e-8);
  // ELBO = log p(x) − KL(q ‖ posterior), Gaussian KL in closed form.
  auto P = torch::inverse(post_cov);
  auto d = post_mean - q_mean;
  const double kl = 0.5 * ((P.matmul(q_cov)).trace() + d.dot(P.matmul(d)) - 2 +
                           torch::logdet(post_cov) - torch::logdet(q_cov)).item<double>();
  const double elbo_true = log_z - kl;
  EXPECT_GT(cubo_true, log_z + 0.05);
  EXPECT_LT(elbo_true, log_z - 0.05);

  // Monte-Carlo: the ELBO estimate is unbiased; the CUBO estimate with K draws
  // is biased low (log of a mean) by about Var(w²)/(2K·E[w²]²), small at K = 4000.
  ChiUpperBound chi(ChiUpperBoundOptions().num_draws(4000));
  ReparamElbo elbo(ReparamElboOptions().num_draws(4000).analytic_entropy(false));
  auto gen = make_generator(3);
  const auto all = model::Subsample::all(p.num_data());
  std::vector<double> cubos, elbos;
  for (int r = 0; r < 20; ++r) {
    cubos.push_back(chi.estimate(p, *q, all, gen).value);
    elbos.push_back(elbo.estimate(p, *q, all, gen).value);
  }
  auto c = torch::tensor(cubos, opts), e = torch::tensor(elbos, opts);
  EXPECT_NEAR(e.mean().item<double>(), elbo_true, 4.5 * e.std().item<double>() / std::sqrt(20.0));
  EXPECT_NEAR(c.mean().item<double>(), cubo_true, 0.02);
  EXPECT_GT(c.min().item<double>(), log_z);
  EXPECT_LT(e.max().item<double>(), log_z);
}

TEST(ChiUpperBound, SurrogateGradientPointsDownTheCubo) {
  NormalNormal2 p;
  auto q = testing::full_rank_at(p.posterior_mean() + 0.2, 1.5 * p.posterior_covariance());
  auto grad = [&](bool log_surrogate) {
    q->zero_grad();
    ChiUpperBound chi(ChiUpperBoundOptions().num_draws(6).log_surrogate(log_surrogate));
    auto gen = make_generator(12);
    chi.estimate(p, *q, model::Subsample::all(p.num_data()), gen).surrogate.backward();
    return q->lambda.grad().clone();
  };
  auto exp_grad = grad(false), log_grad = grad(true);
  // ∇(−L̃) = n·(Σ π w^n/e^{nm})·∇(−CUBÔ): parallel, same direction.
  auto ratio = exp_grad.dot(log_grad) / log_grad.dot(log_grad);
  EXPECT_GT(ratio.item<double>(), 0.0);
  EXPECT_LE(ratio.item<double>(), 2.0 + 1e-12);  // n·Σπ(·) ≤ n
  EXPECT_TRUE(torch::allclose(exp_grad, ratio * log_grad, 1e-9, 1e-12));
}

// N(0, [[1, ρ], [ρ, 1]]), normalised (log p(x) = 0).
struct Correlated2 : model::LogDensity {
  explicit Correlated2(double rho) : rho(rho) {}
  double rho;
  int64_t dim() const override { return 2; }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
    auto cov = torch::tensor({{1.0, rho}, {rho, 1.0}}, theta.options());
    return testing::mvn_log_density(theta, torch::zeros({2}, theta.options()), cov);
  }
};

// Fits a mean-field Gaussian by Adam on `objective`; returns its variances,
// averaged over the last quarter of the iterations.
at::Tensor fit_variances(Objective& objective, const model::LogDensity& p, int iterations, double lr,
                         uint64_t seed) {
  family::MeanFieldGaussian q(2);
  torch::optim::Adam adam(q.parameters(), torch::optim::AdamOptions(lr));
  auto gen = make_generator(seed);
  auto sum = torch::zeros({2}, torch::kDouble);
  int count = 0;
  for (int t = 0; t < iterations; ++t) {
    adam.zero_grad();
    auto e = objective.estimate(p, q, model::Subsample::all(1), gen);
    (-e.surrogate).backward();
    adam.step();
    if (t >= 3 * iterations / 4) {
      sum += (2 * q.log_scale.detach()).exp();
      ++count;
    }
  }
  return sum / count;
}

TEST(ChiUpperBound, ChiviIsMassCoveringOnACorrelatedGaussian) {
  const double rho = 0.8;
  Correlated2 p(rho);
  const double det_sigma = 1 - rho * rho;
  // Closed forms for a symmetric mean-field q = N(0, v I) against N(0, Σ):
  //   2·CUBO₂(v) = −log|Σ| + log v − ½ log|2Σ⁻¹ − I/v|,
  //   L_α(v) = [−(α/2)·2 log v − ((1−α)/2) log|Σ| − ½ log|(α/v) I + (1−α) Σ⁻¹|] / (1 − α).
  auto log_det_2x2 = [](double diag, double off) { return std::log(diag * diag - off * off); };
  auto cubo2 = [&](double v) {
    return 0.5 * (-std::log(det_sigma) + std::log(v) - 0.5 * log_det_2x2(2.0 / det_sigma - 1.0 / v, -2.0 * rho / det_sigma));
  };
  auto neg_renyi = [&](double v, double a) {
    return -(-a * std::log(v) - 0.5 * (1 - a) * std::log(det_sigma) -
             0.5 * log_det_2x2(a / v + (1 - a) / det_sigma, -(1 - a) * rho / det_sigma)) / (1 - a);
  };
  auto argmin = [](auto f, double lo, double hi) {  // golden section
    const double phi = 0.5 * (std::sqrt(5.0) - 1);
    for (int i = 0; i < 200; ++i) {
      const double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
      if (f(x1) < f(x2)) hi = x2; else lo = x1;
    }
    return 0.5 * (lo + hi);
  };
  const double v_chi = argmin(cubo2, 0.6, 5.0);
  const double v_half = argmin([&](double v) { return neg_renyi(v, 0.5); }, 0.1, 5.0);
  ASSERT_GT(v_chi, 1.2);                      // ≈ 1.368: wider than the marginal variance 1
  ASSERT_NEAR(v_half, 0.6, 1e-6);             // scipy (Nelder–Mead on the same closed form): 0.6

  // The paper's exp surrogate approaches the χ² optimum as K grows (here
  // K = 200: ≈ 1.03, K = 1000: ≈ 1.25, K = 5000: ≈ 1.32); the log surrogate's
  // fixed point is already close at K = 200 (≈ 1.34). Both are > 1.
  ChiUpperBound chi_exp(ChiUpperBoundOptions().num_draws(1000));
  auto var_chi_exp = fit_variances(chi_exp, p, 1500, 0.01, 1);
  ChiUpperBound chi_log(ChiUpperBoundOptions().num_draws(200).log_surrogate(true));
  auto var_chi_log = fit_variances(chi_log, p, 1500, 0.01, 1);
  ReparamElbo kl(ReparamElboOptions().num_draws(10));
  auto var_kl = fit_variances(kl, p, 1500, 0.02, 2);
  RenyiBound half(RenyiBoundOptions().alpha(0.5).num_draws(50));
  auto var_half = fit_variances(half, p, 1500, 0.02, 3);
  // α < 0: the K → ∞ objective is unbounded above (L_α ≥ log p(x) grows as q
  // narrows in one direction); finite-K fits over-disperse erratically (one
  // marginal variance ran to 8.5 at K = 10 and 60 at K = 50): only "wider than
  // Rényi(0.5) somewhere" is asserted.
  RenyiBound neg(RenyiBoundOptions().alpha(-1.0).num_draws(10));
  auto var_neg = fit_variances(neg, p, 1500, 0.02, 4);
  std::cerr << "mean-field variances: KL " << var_kl.reshape({1, 2}) << " renyi(0.5) " << var_half.reshape({1, 2})
            << " renyi(-1) " << var_neg.reshape({1, 2}) << " chi(exp, K=1000) " << var_chi_exp.reshape({1, 2})
            << " chi(log, K=200) " << var_chi_log.reshape({1, 2}) << " chi-optimum " << v_chi << "\n";
  EXPECT_GT(var_neg.max().item<double>(), var_half.max().item<double>());
  for (int d = 0; d < 2; ++d) {
    EXPECT_NEAR(var_kl[d].item<double>(), det_sigma, 0.05);            // conditional variance 1 − ρ²
    EXPECT_NEAR(var_half[d].item<double>(), v_half, 0.1 * v_half);     // D_0.5 optimum
    EXPECT_NEAR(var_chi_log[d].item<double>(), v_chi, 0.1 * v_chi);    // χ² optimum
    EXPECT_NEAR(var_chi_exp[d].item<double>(), v_chi, 0.15 * v_chi);
    // The documented ordering: KL < Rényi(0.5) < marginal variance 1 < CHIVI.
    EXPECT_LT(var_kl[d].item<double>(), var_half[d].item<double>());
    EXPECT_LT(var_half[d].item<double>(), 1.0);
    EXPECT_GT(var_chi_exp[d].item<double>(), 1.0);
    EXPECT_GT(var_chi_log[d].item<double>(), 1.0);
  }
}

}  // namespace
}  // namespace elbo::objective
