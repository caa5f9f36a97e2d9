// Two stochastic layers (Burda et al. 2016) and the learned mixture prior: the IWAE/ELBO
// identities hold, the log weight is the sum of its hand-computed terms, the mixture
// density matches a component-by-component sum, and gradients match finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/amortized/gaussian.hpp"
#include "elbo/amortized/objective.hpp"
#include "elbo/amortized/prior.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

TEST(MixturePrior, DensityIsTheWeightedComponentSum) {
  torch::manual_seed(1);
  Prior prior(3, 4);
  prior->to(torch::kDouble);
  {
    torch::NoGradGuard g;
    for (auto& p : prior->parameters()) p.add_(0.3 * torch::randn_like(p));
  }
  auto gen = make_generator(2);
  auto z = at::randn({5, 2, 3}, gen, torch::kDouble);
  auto params = prior->named_parameters();
  auto means = params["means"], log_stds = params["log_stds"], logits = params["logits"];
  auto weights = torch::softmax(logits, 0);
  auto expect = torch::zeros({5, 2}, torch::kDouble);
  for (int64_t c = 0; c < 4; ++c) {
    DiagonalGaussian comp{means[c].expand({2, 3}), log_stds[c].expand({2, 3})};
    expect = expect + weights[c] * comp.log_prob(z).exp();
  }
  EXPECT_TRUE(torch::allclose(prior->log_prob(z), expect.log(), 1e-12, 1e-12));
  // Draws: the sample mean approaches Σ_c π_c μ_c.
  auto draws = prior->sample(40000, gen, torch::TensorOptions().dtype(torch::kDouble));
  auto mean = (weights.unsqueeze(1) * means).sum(0);
  EXPECT_LT((draws.mean(0) - mean).abs().max().item<double>(), 0.05);
  EXPECT_THROW(Prior(3, -1), ConfigError);
}

TEST(MixturePrior, SpecsParseToComponentsOrNameTheOption) {
  EXPECT_EQ(parse_prior_components("normal", "--prior"), 0);
  EXPECT_EQ(parse_prior_components("mixture:10", "--prior"), 10);
  for (const char* bad : {"mixture:0", "mixture:", "mixture:-2", "mixture:99999", "gauss", ""}) {
    try {
      parse_prior_components(bad, "train vae: --prior");
      ADD_FAILURE() << bad;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("train vae: --prior '") + bad + "' is not normal or mixture:C (C >= 1)");
    }
  }
}

Vae two_layer(int64_t components) {
  torch::manual_seed(3);
  Vae vae(VaeOptions(10, 4).hidden({12}).latent2(2).hidden2({6}).prior_components(components));
  vae->to(torch::kDouble);
  return vae;
}

TEST(TwoLayers, IwaeOneEqualsElboAndNoClosedFormKl) {
  for (int64_t c : {0, 3}) {
    Vae vae = two_layer(c);
    auto gen = make_generator(4);
    const auto x = at::bernoulli(torch::full({8, 10}, 0.5, torch::kDouble), gen);
    auto g1 = make_generator(5), g2 = make_generator(5);
    const auto iwae = evaluate_objective(vae, x, ObjectiveOptions().bound(Bound::Iwae), g1);
    const auto elbo = evaluate_objective(vae, x, ObjectiveOptions(), g2);
    // log-mean-exp of one weight is the weight itself up to rounding (the
    // max-shifted sum can differ in the last bit on another CPU's kernels).
    EXPECT_NEAR(iwae.bound, elbo.bound, 1e-12 * std::abs(elbo.bound));
    auto g3 = make_generator(6);
    const LogWeights w = vae->log_weights(x, 3, g3);
    EXPECT_FALSE(w.kl.defined());
    EXPECT_EQ(w.log_w().sizes(), (std::vector<int64_t>{3, 8}));
    // IWAE_K ≥ ELBO on the same draws (Jensen), point by point.
    EXPECT_TRUE((iwae_per_point(w) >= elbo_per_point(w, false) - 1e-12).all().item<bool>());
  }
}

TEST(TwoLayers, GradientMatchesFiniteDifferences) {
  Vae vae = two_layer(2);
  auto gen = make_generator(7);
  const auto x = at::bernoulli(torch::full({3, 10}, 0.5, torch::kDouble), gen);
  auto loss = [&] { return evaluate_objective(vae, x, ObjectiveOptions().bound(Bound::Iwae).samples(2), make_generator(8)).loss; };
  vae->zero_grad();
  loss().backward();
  torch::NoGradGuard g;
  int checked = 0;
  for (auto& p : vae->parameters()) {
    auto flat = p.view({-1});
    auto grad = p.grad().view({-1});
    for (int64_t i = 0; i < flat.numel(); i += std::max<int64_t>(1, flat.numel() / 3)) {
      const double h = 1e-6, old = flat[i].item<double>();
      flat[i] = old + h;
      const double up = loss().item<double>();
      flat[i] = old - h;
      const double down = loss().item<double>();
      flat[i] = old;
      const double fd = (up - down) / (2 * h);
      EXPECT_NEAR(grad[i].item<double>(), fd, 1e-6 * std::max(1.0, std::abs(fd)));
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
  EXPECT_THROW(Vae(VaeOptions(10, 4).latent2(2).flow(FlowKind::Iaf).flow_length(1)), ConfigError);
}

}  // namespace
}  // namespace elbo::amortized
