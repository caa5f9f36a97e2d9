// SVI on the non-collapsed Gaussian mixture (explicit one-hot assignments)
// with q = MeanFieldGaussian(μ) × Categorical(z):
//  (a) reinforce+cv+rb recovers the cluster means of a synthetic 3-cluster set;
//  (b) on 3 points / 2 clusters (1-D), the fitted q's exact ELBO (closed form,
//      below) reaches the mean-field optimum found by deterministic gradient
//      ascent on that closed form, and lies below log p(x) computed by
//      enumerating the 2³ assignments (each a Gaussian integral over μ).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/categorical_family.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/family/product_family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/models/gaussian_mixture_assignments.hpp"
#include "elbo/objective/make_score_objective.hpp"

namespace elbo::infer {
namespace {


struct MixedQ {
  std::shared_ptr<family::MeanFieldGaussian> gauss;
  std::shared_ptr<family::CategoricalFamily> cat;
  std::shared_ptr<family::ProductFamily> q;
};

MixedQ make_q(int64_t C, int64_t P, int64_t N, const at::Tensor& init_means) {
  MixedQ m;
  m.gauss = std::make_shared<family::MeanFieldGaussian>(C * P);
  m.cat = std::make_shared<family::CategoricalFamily>(N, C);
  {
    torch::NoGradGuard no_grad;
    m.gauss->loc.copy_(init_means.reshape(-1));
    m.gauss->log_scale.fill_(-1.0);
  }
  m.q = std::make_shared<family::ProductFamily>(std::vector<family::FamilyPtr>{m.gauss, m.cat});
  return m;
}

SviResult fit(const std::shared_ptr<models::GaussianMixtureAssignments>& model, const MixedQ& m,
              const std::string& spec, int64_t iterations, uint64_t seed) {
  auto p = std::make_shared<model::ModelDensity>(model);
  optim::OptimizerOptions adam;
  adam.method = "adam";
  adam.eta = 0.05;
  adam.schedule = "constant";
  SviOptions options;
  options.max_iterations = iterations;
  options.eval_every = 100;
  options.tol_rel_obj = 1e-12;  // run to the end
  options.average_iterates = true;
  options.seed = seed;
  Svi svi(p, m.q, objective::make_score_objective(spec, 10), adam, options);
  return svi.run();
}

TEST(GaussianMixtureAssignmentsSvi, ReinforceCvRbRecoversClusterMeans) {
  // 3 well-separated clusters in 1-D at -6, 0, 6 (σ = 1), 20 points each.
  auto gen = make_generator(7);
  const std::vector<double> truth = {-6.0, 0.0, 6.0};
  std::vector<at::Tensor> parts;
  for (double m : truth) parts.push_back(m + torch::randn({20}, gen, torch::kDouble));
  auto x = torch::cat(parts);
  auto model = std::make_shared<models::GaussianMixtureAssignments>(x, 3);
  // Start the means at three data points (one per third of the sorted data),
  // as k-means-style initialisations do; assignments start uniform.
  auto sorted = std::get<0>(x.sort());
  auto init = torch::stack({sorted[5], sorted[30], sorted[55]}) + 0.7;
  auto m = make_q(3, 1, 60, init);
  fit(model, m, "reinforce+cv+rb", 3000, 5);
  auto fitted = std::get<0>(m.gauss->loc.detach().sort());
  // Posterior means of μ_c given the true assignments: the cluster averages
  // (shrunk by s² / (s² + σ²/20) ≈ 1); tolerance 0.25 ≈ 1.1 posterior sd.
  for (int c = 0; c < 3; ++c) {
    const double avg = parts[c].mean().item<double>();
    std::printf("cluster %d: truth %.2f, data mean %.3f, fitted %.3f\n", c, truth[c], avg,
                fitted[c].item<double>());
    EXPECT_NEAR(fitted[c].item<double>(), avg, 0.25);
  }
  // Assignments are confident and correct for almost all points.
  auto probs = m.cat->logits.detach().softmax(1);  // [60, 3]
  auto order = std::get<1>(m.gauss->loc.detach().sort());
  int correct = 0;
  for (int64_t n = 0; n < 60; ++n) {
    const int64_t best = probs[n].argmax().item<int64_t>();
    if (order[n / 20].item<int64_t>() == best) ++correct;
  }
  EXPECT_GE(correct, 57);
}

// Exact mean-field ELBO for q(μ_c) = N(m_c, v_c), q(z_n) = Cat(softmax(l_n)), 1-D.
at::Tensor exact_elbo(const at::Tensor& x, double s, double sigma, const at::Tensor& log_pi,
                      const at::Tensor& m, const at::Tensor& log_sd, const at::Tensor& logits) {
  auto v = (2 * log_sd).exp();
  auto r = logits.softmax(1);  // [N, C]
  auto e_sq = (x.unsqueeze(1) - m).square() + v;  // [N, C]
  auto e_lik = (r * (log_pi - 0.5 * e_sq / (sigma * sigma) - std::log(sigma) - 0.5 * kLog2Pi)).sum();
  auto e_prior = (-0.5 * (m.square() + v) / (s * s) - std::log(s) - 0.5 * kLog2Pi).sum();
  auto h_mu = (log_sd + 0.5 * (1 + kLog2Pi)).sum();
  auto h_z = -(r * logits.log_softmax(1)).sum();
  return e_lik + e_prior + h_mu + h_z;
}

TEST(GaussianMixtureAssignmentsSvi, TinyInstanceReachesTheExactMeanFieldOptimum) {
  const double s = 2.0, sigma = 1.0;
  auto x = torch::tensor({-1.5, -1.0, 1.8}, torch::kDouble);
  auto model = std::make_shared<models::GaussianMixtureAssignments>(
      x, 2, models::GaussianMixtureAssignmentsOptions().prior_mean_scale(s).observation_sd(sigma));
  auto log_pi = model->log_weights();

  // log p(x) by enumeration: given z, x_n − μ_{z_n} and μ are jointly
  // Gaussian, so p(x | z) = N(x | 0, σ² I + s² A Aᵀ), A the N×C assignment matrix.
  double log_px = -INFINITY;
  for (int code = 0; code < 8; ++code) {
    auto A = torch::zeros({3, 2}, torch::kDouble);
    for (int n = 0; n < 3; ++n) A[n][(code >> n) & 1] = 1.0;
    auto cov = sigma * sigma * torch::eye(3, torch::kDouble) + s * s * A.matmul(A.t());
    auto lp = -0.5 * x.dot(torch::linalg::solve(cov, x, true)) - 0.5 * torch::logdet(cov) -
              1.5 * kLog2Pi + 3 * std::log(0.5);
    log_px = std::max(log_px, 0.0) == 0.0 && std::isinf(log_px)
                 ? lp.item<double>()
                 : std::log(std::exp(log_px) + std::exp(lp.item<double>()));
  }

  // The mean-field optimum: deterministic Adam on the closed form, from several starts.
  double best = -INFINITY;
  for (double spread : {0.5, 1.0, 2.0}) {
    auto m = torch::tensor({-spread, spread}, torch::kDouble).requires_grad_(true);
    auto ls = torch::full({2}, -0.5, torch::kDouble).requires_grad_(true);
    auto l = torch::zeros({3, 2}, torch::kDouble).requires_grad_(true);
    torch::optim::Adam adam({m, ls, l}, torch::optim::AdamOptions(0.02));
    for (int i = 0; i < 6000; ++i) {
      adam.zero_grad();
      (-exact_elbo(x, s, sigma, log_pi, m, ls, l)).backward();
      adam.step();
    }
    best = std::max(best, exact_elbo(x, s, sigma, log_pi, m, ls, l).item<double>());
  }

  auto mq = make_q(2, 1, 3, torch::tensor({-1.0, 1.0}, torch::kDouble));
  const double start = exact_elbo(x, s, sigma, log_pi, mq.gauss->loc.detach(),
                                  mq.gauss->log_scale.detach(), mq.cat->logits.detach()).item<double>();
  fit(model, mq, "reinforce+cv+rb", 3000, 9);
  const double fitted = exact_elbo(x, s, sigma, log_pi, mq.gauss->loc.detach(),
                                   mq.gauss->log_scale.detach(), mq.cat->logits.detach()).item<double>();
  std::printf("exact ELBO: start %.4f, fitted %.4f, mean-field optimum %.4f, log p(x) %.4f\n", start,
              fitted, best, log_px);
  EXPECT_LT(best, log_px);             // an ELBO bounds the evidence
  EXPECT_LT(start, best - 0.2);        // the fit has somewhere to go
  EXPECT_NEAR(fitted, best, 0.03);     // tolerance: 0.03 nats of the exact optimum
}

}  // namespace
}  // namespace elbo::infer
