// Active units (Burda et al. 2016): 0 for a collapsed posterior, the latent size for an
// identity encoder; the variance is the population variance of E_q[u] over the data.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/amortized/evaluate.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

TEST(ActiveUnits, CollapsedPosteriorHasNone) {
  torch::manual_seed(1);
  Vae vae(VaeOptions(10, 4).hidden({8}));
  {
    torch::NoGradGuard g;
    auto lin = vae->encoder()->net()->output_layer();
    lin->weight.zero_();  // q(z|x) = N(b, ·) for every x: the prior-matching collapse
    lin->bias.normal_();
  }
  auto gen = make_generator(2);
  const auto x = at::rand({300, 10}, gen);
  const auto au = active_units(vae, x);
  EXPECT_EQ(au.active, 0);
  ASSERT_EQ(au.variance.size(), 4u);
  for (double v : au.variance) EXPECT_LT(v, 1e-12);
}

TEST(ActiveUnits, IdentityEncoderHasAll) {
  const int64_t d = 5;
  Vae vae(VaeOptions(d, d).hidden({}));
  {
    torch::NoGradGuard g;
    auto lin = vae->encoder()->net()->output_layer();
    lin->weight.zero_();
    lin->bias.zero_();
    lin->weight.narrow(0, 0, d).copy_(torch::eye(d));
  }
  auto gen = make_generator(3);
  const auto x = at::randn({2000, d}, gen);
  const auto au = active_units(vae, x);
  EXPECT_EQ(au.active, d);
  for (int64_t j = 0; j < d; ++j) {
    const auto col = x.select(1, j).to(torch::kDouble);
    EXPECT_NEAR(au.variance[j], (col - col.mean()).square().mean().item<double>(), 1e-6);
  }
  // Threshold semantics: scaling the data to variance 0.005 leaves none active.
  EXPECT_EQ(active_units(vae, 0.0707 * x).active, 0);
}

}  // namespace
}  // namespace elbo::amortized
