// ELBO / IWAE identities: IWAE with K = 1 is the ELBO on the same draws, the IWAE
// bound grows with K (in expectation), the closed-form KL is the Monte-Carlo KL's
// mean, warm-up and free bits change the loss exactly as their formulas say.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/amortized/objective.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

Vae small_vae(uint64_t seed, FlowKind flow = FlowKind::None, Covariance cov = Covariance::Diagonal) {
  torch::manual_seed(seed);
  Vae vae(VaeOptions(12, 3).hidden({16}).covariance(cov).flow(flow).flow_length(flow == FlowKind::None ? 0 : 2));
  vae->to(torch::kDouble);
  return vae;
}

at::Tensor binary_data(int64_t n, int64_t p, uint64_t seed) {
  auto gen = make_generator(seed);
  return at::bernoulli(torch::full({n, p}, 0.4, torch::kDouble), gen);
}

TEST(Objective, IwaeWithOneSampleEqualsElboOnTheSameDraws) {
  for (auto flow : {FlowKind::None, FlowKind::Planar, FlowKind::Iaf}) {
    Vae vae = small_vae(1, flow);
    const auto x = binary_data(20, 12, 2);
    auto g1 = make_generator(7), g2 = make_generator(7);
    const auto iwae = evaluate_objective(vae, x, ObjectiveOptions().bound(Bound::Iwae).samples(1), g1);
    const auto elbo = evaluate_objective(vae, x, ObjectiveOptions().analytic_kl(false), g2);
    EXPECT_EQ(iwae.bound, elbo.bound);
    EXPECT_EQ(iwae.loss.item<double>(), elbo.loss.item<double>());
    auto g3 = make_generator(8);
    const LogWeights w = vae->log_weights(x, 1, g3);
    EXPECT_TRUE(torch::equal(iwae_per_point(w), elbo_per_point(w, false)));
  }
}

TEST(Objective, IwaeIncreasesWithK) {
  Vae vae = small_vae(3);
  const auto x = binary_data(30, 12, 4);
  torch::NoGradGuard g;
  auto gen = make_generator(5);
  std::vector<double> means;
  const std::vector<int64_t> ks = {1, 2, 5, 20, 100};
  for (int64_t k : ks) {
    // Average the per-point bound over 200 independent replicates.
    double sum = 0;
    const int reps = 200;
    for (int r = 0; r < reps; ++r) sum += iwae_per_point(vae->log_weights(x, k, gen)).mean().item<double>();
    means.push_back(sum / reps);
  }
  for (size_t i = 1; i < means.size(); ++i) EXPECT_GT(means[i], means[i - 1]) << "K = " << ks[i];
  // And the limit is approached from below: K = 5000 is higher still.
  const double big = iwae_per_point(vae->log_weights(x, 5000, gen)).mean().item<double>();
  EXPECT_GT(big, means.back());
}

TEST(Objective, ClosedFormKlIsTheMonteCarloMean) {
  for (auto cov : {Covariance::Diagonal, Covariance::Cholesky}) {
    Vae vae = small_vae(9, FlowKind::None, cov);
    const auto x = binary_data(10, 12, 10);
    torch::NoGradGuard g;
    auto gen = make_generator(11);
    const LogWeights w = vae->log_weights(x, 20000, gen);
    ASSERT_TRUE(w.kl.defined());
    auto mc = (w.log_qz - w.log_pz);
    auto se = mc.std(0) / std::sqrt(20000.0);
    auto z = ((mc.mean(0) - w.kl) / se).abs().max().item<double>();
    EXPECT_LT(z, 4.5);
    if (cov == Covariance::Diagonal) {
      EXPECT_TRUE(torch::allclose(w.kl_per_dim.sum(-1), w.kl));
    }
  }
}

TEST(Objective, WarmupAndFreeBits) {
  Vae vae = small_vae(12);
  const auto x = binary_data(16, 12, 13);
  auto gen = [] { return make_generator(14); };
  const auto full = evaluate_objective(vae, x, ObjectiveOptions(), gen());
  EXPECT_NEAR(full.loss.item<double>(), -(full.recon - full.kl), 1e-12);
  EXPECT_NEAR(full.bound, full.recon - full.kl, 1e-12);
  const auto beta0 = evaluate_objective(vae, x, ObjectiveOptions().beta(0.0), gen());
  EXPECT_NEAR(beta0.loss.item<double>(), -beta0.recon, 1e-12);
  EXPECT_EQ(beta0.bound, full.bound);  // the reported bound is the true ELBO
  const auto half = evaluate_objective(vae, x, ObjectiveOptions().beta(0.5), gen());
  EXPECT_NEAR(half.loss.item<double>(), -(half.recon - 0.5 * half.kl), 1e-12);
  // Free bits: Σ_j max(λ, mean_n KL_nj).
  auto g = gen();
  const LogWeights w = vae->log_weights(x, 1, g);
  for (double lambda : {0.0001, 0.05, 100.0}) {
    const auto fb = evaluate_objective(vae, x, ObjectiveOptions().free_bits(lambda), gen());
    const auto per_dim = w.kl_per_dim.mean(0);
    double expect = 0;
    for (int64_t j = 0; j < per_dim.size(0); ++j) expect += std::max(lambda, per_dim[j].item<double>());
    EXPECT_NEAR(fb.loss.item<double>(), -(fb.recon - expect), 1e-10) << lambda;
  }
  // λ above every dimension's KL: the KL term has zero gradient.
  vae->zero_grad();
  evaluate_objective(vae, x, ObjectiveOptions().free_bits(100.0), gen()).loss.backward();
  auto g_fb = vae->encoder()->net()->output_layer()->bias.grad().narrow(0, 3, 3).clone();
  vae->zero_grad();
  evaluate_objective(vae, x, ObjectiveOptions().beta(0.0), gen()).loss.backward();
  auto g_b0 = vae->encoder()->net()->output_layer()->bias.grad().narrow(0, 3, 3).clone();
  EXPECT_TRUE(torch::allclose(g_fb, g_b0, 1e-12, 1e-12));
}

TEST(Objective, ParseAndBadOptions) {
  EXPECT_EQ(parse_objective("elbo").samples(), 1);
  EXPECT_EQ(parse_objective("iwae:50").samples(), 50);
  EXPECT_EQ(parse_objective("iwae:5").bound(), Bound::Iwae);
  EXPECT_EQ(objective_name(parse_objective("elbo:3")), "elbo:3");
  for (const char* bad : {"iwae", "iwae:0", "iwae:x", "vae", "elbo:-1", ""}) {
    EXPECT_THROW(parse_objective(bad), ConfigError) << bad;
  }
  Vae vae = small_vae(1);
  const auto x = binary_data(4, 12, 1);
  auto gen = make_generator(1);
  EXPECT_THROW(evaluate_objective(vae, x, ObjectiveOptions().beta(1.5), gen), ConfigError);
  EXPECT_THROW(evaluate_objective(vae, x, ObjectiveOptions().free_bits(-1), gen), ConfigError);
  EXPECT_THROW(evaluate_objective(vae, x, ObjectiveOptions().bound(Bound::Iwae).samples(2).free_bits(1), gen),
               ConfigError);
  EXPECT_THROW(evaluate_objective(vae, binary_data(4, 11, 1), ObjectiveOptions(), gen), ConfigError);
}

}  // namespace
}  // namespace elbo::amortized
