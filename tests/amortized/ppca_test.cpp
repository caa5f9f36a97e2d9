// Linear-Gaussian decoder (probabilistic PCA): the amortized posterior and the
// IWAE estimate of log p(x) against their closed forms.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "amortized/ppca.hpp"
#include "elbo/amortized/evaluate.hpp"
#include "elbo/amortized/objective.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

using testing::Ppca;

TEST(Ppca, ExactEncoderMakesElboEqualLogEvidenceForEveryDraw) {
  const Ppca m = Ppca::make();
  const auto x = m.sample(50, 1);
  const auto exact = m.log_marginal(x);
  for (auto cov : {Covariance::Diagonal, Covariance::Cholesky}) {
    if (cov == Covariance::Diagonal) continue;  // the exact posterior is correlated
    Vae vae = m.vae(cov);
    m.set_exact_encoder(vae);
    auto gen = make_generator(3);
    const LogWeights w = vae->log_weights(x, 7, gen);
    // q = p(z|x) makes every importance weight equal to p(x): zero-variance bounds.
    EXPECT_LT((w.log_w() - exact).abs().max().item<double>(), 1e-10);
    EXPECT_LT((elbo_per_point(w, false) - exact).abs().max().item<double>(), 1e-10);
    // The closed-form-KL estimator is unbiased but not zero-variance (E_q log p(x|z) is sampled).
    auto many = vae->log_weights(x, 4000, gen);
    EXPECT_LT((elbo_per_point(many, true) - exact).abs().max().item<double>(), 0.05);
    EXPECT_LT((iwae_per_point(w) - exact).abs().max().item<double>(), 1e-10);
  }
}

TEST(Ppca, TrainedLinearEncoderRecoversExactPosterior) {
  // The encoder's initial weights come from LibTorch's global generator: seed it,
  // and use one thread, so the 1200 stochastic Adam steps end at the same point
  // on every run (unseeded, the end point varied from run to run).
  at::set_num_threads(1);
  torch::manual_seed(1);
  const Ppca m = Ppca::make();
  const auto x = m.sample(200, 2);
  Vae vae = m.vae(Covariance::Cholesky);
  torch::optim::Adam opt(vae->encoder()->parameters(), torch::optim::AdamOptions(0.03));
  auto gen = make_generator(4);
  const auto options = ObjectiveOptions().samples(8);
  for (int step = 0; step < 1200; ++step) {
    if (step == 800 || step == 1000) {  // step-size decay to settle the stochastic optimum
      for (auto& group : opt.param_groups()) {
        auto& o = static_cast<torch::optim::AdamOptions&>(group.options());
        o.lr(o.lr() * 0.1);
      }
    }
    opt.zero_grad();
    auto v = evaluate_objective(vae, x, options, gen);
    v.loss.backward();
    opt.step();
  }
  torch::NoGradGuard g;
  auto lin = vae->encoder()->net()->output_layer();
  const int64_t D = m.d();
  // Mean map: M⁻¹Wᵀ and offset −M⁻¹Wᵀμ.
  EXPECT_LT((lin->weight.narrow(0, 0, D) - m.posterior_map()).abs().max().item<double>(), 0.03);
  EXPECT_LT((lin->bias.narrow(0, 0, D) + torch::matmul(m.posterior_map(), m.mu)).abs().max().item<double>(),
            0.03);
  // Covariance σ²M⁻¹ at a few data points (the optimum does not depend on x).
  PosteriorSample s = vae->encoder()->sample(x.narrow(0, 0, 5), 1, gen);
  for (int64_t n = 0; n < 5; ++n) {
    EXPECT_LT((s.cholesky.covariance()[n] - m.posterior_cov()).abs().max().item<double>(), 0.01) << n;
  }
  // The bound reaches log p(x) on average (the KL gap closes).
  auto w = vae->log_weights(x, 2000, gen);
  EXPECT_NEAR(elbo_per_point(w, false).mean().item<double>(), m.log_marginal(x).mean().item<double>(), 0.01);
}

TEST(Ppca, ImportanceSampledLogLikelihoodMatchesClosedForm) {
  // A deliberately mismatched q (diagonal, means shrunk): the K = 5000 IWAE estimate is still
  // close to log N(x; μ, WWᵀ + σ²I), while the ELBO is far below it.
  const Ppca m = Ppca::make();
  const auto x = m.sample(40, 5);
  Vae vae = m.vae(Covariance::Diagonal);
  m.set_exact_encoder(vae);
  {
    torch::NoGradGuard g;
    auto lin = vae->encoder()->net()->output_layer();
    lin->weight.narrow(0, 0, m.d()).mul_(0.9);
    lin->bias.narrow(0, m.d(), m.d()).add_(0.2);  // wider than the posterior
  }
  auto gen = make_generator(6);
  const auto est = importance_log_likelihood(vae, x, LogLikelihoodOptions().samples(5000).chunk(1000).batch(16), gen);
  const auto exact = m.log_marginal(x);
  double max_err = 0;
  for (int64_t n = 0; n < x.size(0); ++n) {
    max_err = std::max(max_err, std::abs(est.per_point[n] - exact[n].item<double>()));
  }
  EXPECT_LT(max_err, 0.03);
  EXPECT_NEAR(est.mean, exact.mean().item<double>(), 0.01);
  EXPECT_LT(est.mean, exact.mean().item<double>() + 0.002);  // a lower bound in expectation
  // Standard error: the sample sd of the exact values over √N (the estimate's own SE).
  const double sd = exact.std().item<double>();
  EXPECT_NEAR(est.standard_error, sd / std::sqrt(40.0), 0.05 * sd / std::sqrt(40.0));
  auto w = vae->log_weights(x, 1, gen);
  EXPECT_LT(elbo_per_point(w, true).mean().item<double>(), exact.mean().item<double>() - 0.05);
}

}  // namespace
}  // namespace elbo::amortized
