// FlowFamily: log q from the forward pass equals log q by the inverse on the
// same draws; at initialisation q is the Gaussian N(μ, I) (explicit density);
// log_prob's gradients against finite differences; Monte-Carlo moments against
// exact ones; clone; the spec grammar and its errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/math_constants.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/flow_family.hpp"
#include "elbo/family/make_family.hpp"

namespace elbo::family {
namespace {

using torch::kDouble;

std::shared_ptr<FlowFamily> random_flow(const std::string& spec, int64_t dim, uint64_t seed,
                                       double scale = 0.5) {
  auto q = std::dynamic_pointer_cast<FlowFamily>(make_family(spec, dim, seed));
  EXPECT_TRUE(q) << spec;
  auto gen = make_generator(seed + 1000);
  torch::NoGradGuard no_grad;
  for (auto& p : q->parameters()) p.add_(scale * torch::randn(p.sizes(), gen, p.options()));
  return q;
}

class EveryStack : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryStack, LogProbByInverseEqualsForwardPassLogQ) {
  for (int64_t dim : {1, 2, 4}) {
    auto q = random_flow(GetParam(), dim, 3 + dim);
    torch::NoGradGuard no_grad;
    auto draws = q->rsample_weighted(200, make_generator(1));
    ASSERT_EQ(draws.theta.sizes(), (std::vector<int64_t>{200, dim}));
    ASSERT_EQ(draws.log_q.sizes(), (std::vector<int64_t>{200}));
    EXPECT_NEAR(draws.weight.sum().item<double>(), 1.0, 1e-14);
    auto by_inverse = q->log_prob(draws.theta);
    EXPECT_LT((by_inverse - draws.log_q).abs().max().item<double>(), 1e-8) << GetParam() << " " << dim;
    // rsample gives the same draws as rsample_weighted for the same generator state.
    EXPECT_LT((q->rsample(200, make_generator(1)) - draws.theta).abs().max().item<double>(), 1e-14);
  }
}

TEST_P(EveryStack, LogProbIntegratesToOneIn1D) {
  // ∫ q = 1 by the trapezoidal rule on a wide grid: an independent check of
  // the log-determinants (a wrong Jacobian term breaks the normalisation).
  auto q = random_flow(GetParam(), 1, 17, 0.4);
  torch::NoGradGuard no_grad;
  auto draws = q->sample(4000, make_generator(2));
  const double lo = draws.min().item<double>() - 6.0, hi = draws.max().item<double>() + 6.0;
  auto grid = torch::linspace(lo, hi, 40001, kDouble).unsqueeze(1);
  auto density = q->log_prob(grid).exp();
  EXPECT_NEAR(torch::trapezoid(density, grid.squeeze(1)).item<double>(), 1.0, 2e-4) << GetParam();
}

TEST_P(EveryStack, StartsAsTheStandardGaussianAroundTheLocation) {
  const int64_t dim = 3;
  auto q = make_family(GetParam(), dim, 5);
  auto location = torch::tensor({1.0, -2.0, 30.0}, kDouble);
  q->initialize(location);
  torch::NoGradGuard no_grad;
  auto draws = q->rsample_weighted(50, make_generator(3));
  auto expected = -0.5 * (draws.theta - location).square().sum(1) - 0.5 * dim * kLog2Pi;
  EXPECT_LT((draws.log_q - expected).abs().max().item<double>(), 1e-12) << GetParam();
  EXPECT_LT((q->mean() - location).abs().max().item<double>(), 0.04);
  EXPECT_LT((q->covariance() - torch::eye(dim, kDouble)).abs().max().item<double>(), 0.05);
  // initialize also undoes training: perturb, re-initialise, same density.
  for (auto& p : q->parameters()) p.add_(0.3);
  q->initialize(location);
  auto again = q->rsample_weighted(50, make_generator(3));
  EXPECT_LT((again.log_q - draws.log_q).abs().max().item<double>(), 1e-12);
}

TEST_P(EveryStack, GaussianStartIsTheNearestMeanFieldMember) {
  // initialize_gaussian(m, A) (a Laplace start): identity layers and
  // q = N(m, diag(1/A_dd)), the mean-field member nearest N(m, A⁻¹) in KL(q‖N).
  const int64_t dim = 3;
  auto q = make_family(GetParam(), dim, 5);
  auto mean = torch::tensor({1.0, -2.0, 30.0}, kDouble);
  auto precision = torch::tensor({{4.0, 1.0, 0.0}, {1.0, 0.25, 0.1}, {0.0, 0.1, 100.0}}, kDouble);
  for (auto& p : q->parameters()) {
    torch::NoGradGuard no_grad;
    p.add_(0.2);  // the start must not depend on earlier training
  }
  q->initialize_gaussian(mean, precision);
  torch::NoGradGuard no_grad;
  auto sd = precision.diagonal().rsqrt();
  auto draws = q->rsample_weighted(50, make_generator(3));
  auto z = (draws.theta - mean) / sd;
  auto expected = -0.5 * z.square().sum(1) - 0.5 * dim * kLog2Pi - sd.log().sum();
  EXPECT_LT((draws.log_q - expected).abs().max().item<double>(), 1e-12) << GetParam();
  EXPECT_THROW(q->initialize_gaussian(mean, -precision), DomainError);
}

TEST_P(EveryStack, LogProbGradientsMatchFiniteDifferences) {
  // ∂ log q(θ)/∂λ and ∂/∂θ through the inverse (planar: root-find + Newton step).
  auto q = random_flow(GetParam(), 2, 23, 0.3);
  auto theta = torch::randn({3, 2}, make_generator(4), kDouble).requires_grad_();
  auto params = q->parameters();
  std::vector<at::Tensor> inputs = params;
  inputs.push_back(theta);
  auto grads = torch::autograd::grad({q->log_prob(theta).sum()}, inputs, {}, false, false, true);
  torch::NoGradGuard no_grad;
  int checked = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto flat = inputs[i].view({-1});
    // A few coordinates of every tensor (all of the small ones).
    for (int64_t j = 0; j < flat.numel(); j += std::max<int64_t>(1, flat.numel() / 4)) {
      const double h = 1e-6, old = flat[j].item<double>();
      flat[j] = old + h;
      const double up = q->log_prob(theta).sum().item<double>();
      flat[j] = old - h;
      const double down = q->log_prob(theta).sum().item<double>();
      flat[j] = old;
      const double g = grads[i].defined() ? grads[i].view({-1})[j].item<double>() : 0.0;
      EXPECT_NEAR(g, (up - down) / (2 * h), 1e-5 * (1.0 + std::abs(g))) << GetParam() << " input " << i << "[" << j << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 4);
}

TEST_P(EveryStack, ForwardLogQHasReparameterisationGradients) {
  // d/dλ of the sampled bound E[log q] on fixed ε vs finite differences (the
  // ELBO's entropy term differentiates the forward pass).
  auto q = random_flow(GetParam(), 2, 29, 0.3);
  auto objective = [&]() {
    auto d = q->rsample_weighted(5, make_generator(8));
    return (d.log_q + d.theta.square().sum(1)).mean();
  };
  auto params = q->parameters();
  auto grads = torch::autograd::grad({objective()}, params, {}, false, false, true);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    auto flat = params[i].view({-1});
    const int64_t j = flat.numel() / 2;
    const double h = 1e-6, old = flat[j].item<double>();
    flat[j] = old + h;
    const double up = objective().item<double>();
    flat[j] = old - h;
    const double down = objective().item<double>();
    flat[j] = old;
    const double g = grads[i].defined() ? grads[i].view({-1})[j].item<double>() : 0.0;
    EXPECT_NEAR(g, (up - down) / (2 * h), 1e-6 * (1.0 + std::abs(g))) << GetParam() << " param " << i;
  }
}

TEST_P(EveryStack, CloneIsDeepAndEqual) {
  auto q = random_flow(GetParam(), 3, 31);
  auto copy = q->clone_family();
  EXPECT_EQ(copy->family_name(), q->family_name());
  torch::NoGradGuard no_grad;
  auto a = q->rsample_weighted(20, make_generator(6));
  auto b = copy->rsample_weighted(20, make_generator(6));
  EXPECT_TRUE(torch::equal(a.theta, b.theta));
  EXPECT_TRUE(torch::equal(a.log_q, b.log_q));
  for (auto& p : copy->parameters()) p.add_(0.5);
  EXPECT_TRUE(torch::equal(q->rsample(20, make_generator(6)), a.theta));
}

INSTANTIATE_TEST_SUITE_P(Stacks, EveryStack,
                         ::testing::Values("flow:planar*3", "flow:radial*3", "flow:realnvp*2",
                                           "flow:iaf*2", "flow:iaf*2+planar*2+radial*1+realnvp*2"));

TEST(FlowFamily, PrefersWeightedDrawsAndHasNoEntropy) {
  auto q = make_family("flow:iaf*2", 2);
  EXPECT_TRUE(q->prefers_weighted_draws());
  EXPECT_FALSE(q->has_entropy());
  EXPECT_THROW(q->entropy(), DomainError);
  EXPECT_THROW(q->log_prob(torch::zeros({3, 5}, kDouble)), DomainError);
  EXPECT_THROW(q->initialize(torch::zeros({3}, kDouble)), DomainError);
}

TEST(FlowFamily, MomentsOfAnAffineFlowMatchTheExactGaussian) {
  // One coupling layer with zero conditioner hidden weights is affine: with
  // mask [1, 0] and constant shift t, log-scale s for the second coordinate,
  // θ = μ + σ ⊙ (ε1, ε2 e^s + t) exactly; so mean = μ + σ ⊙ (0, t) and
  // cov = diag(σ1², σ2² e^{2s}). The Monte-Carlo estimate must match to a few
  // standard errors (20000 draws: se(mean) ≈ 0.007 sd).
  auto q = std::dynamic_pointer_cast<FlowFamily>(make_family("flow:realnvp*1", 2, 1));
  ASSERT_TRUE(q);
  torch::NoGradGuard no_grad;
  for (auto& item : q->named_parameters()) {
    if (item.key().find("weight") != std::string::npos) item.value().zero_();
  }
  auto bias = q->named_parameters()["layer0.bias2"];  // output: [shift (2) | raw log-scale (2)]
  bias.copy_(torch::tensor({0.0, 1.5, 0.0, 0.6}, kDouble));
  q->loc.copy_(torch::tensor({2.0, -1.0}, kDouble));
  q->log_scale.copy_(torch::tensor({std::log(0.5), std::log(3.0)}, kDouble));
  const double s = 3.0 * std::tanh(0.6 / 3.0);  // the soft-clamped log-scale
  auto mean = q->mean(), cov = q->covariance();
  EXPECT_NEAR(mean[0].item<double>(), 2.0, 4 * 0.5 / std::sqrt(20000.0));
  EXPECT_NEAR(mean[1].item<double>(), -1.0 + 3.0 * 1.5, 4 * 3.0 * std::exp(s) / std::sqrt(20000.0));
  EXPECT_NEAR(cov[0][0].item<double>() / 0.25, 1.0, 0.04);
  EXPECT_NEAR(cov[1][1].item<double>() / (9.0 * std::exp(2 * s)), 1.0, 0.04);
  EXPECT_NEAR(cov[0][1].item<double>() / std::sqrt(cov[0][0].item<double>() * cov[1][1].item<double>()), 0.0, 0.03);
  // Cached for the same λ, recomputed after a change.
  EXPECT_TRUE(torch::equal(q->mean(), mean));
  q->loc.add_(1.0);
  EXPECT_NEAR((q->mean() - mean)[0].item<double>(), 1.0, 1e-12);
}

TEST(FlowSpec, AcceptsTheGrammar) {
  auto q = std::dynamic_pointer_cast<FlowFamily>(make_family("flow:iaf\xC3\x97" "2+planar*4", 3));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->family_name(), "flow:iaf*2+planar*4");
  ASSERT_EQ(q->layers().size(), 6u);
  EXPECT_EQ(q->layers()[1]->layer_name(), "iaf");
  EXPECT_EQ(q->layers()[2]->layer_name(), "planar");
  for (const char* spec : {"flow:planar*8", "flow:radial*8", "flow:realnvp*4", "flow:iaf*4", "flow:radial"}) {
    EXPECT_NO_THROW(make_family(spec, 2)) << spec;
  }
  EXPECT_EQ(make_family("flow:radial", 2)->family_name(), "flow:radial*1");
  EXPECT_EQ(std::dynamic_pointer_cast<FlowFamily>(make_family("flow:planar*8", 2))->layers().size(), 8u);
}

TEST(FlowSpec, RejectsMalformedSpecsNamingTheOption) {
  for (const char* spec : {"flow", "flow:", "flow:maf*2", "flow:iaf*0", "flow:iaf*", "flow:iaf*x",
                           "flow:iaf*2+", "flow:+iaf", "flow:iaf**2", "flow:iaf*-1", "flowy"}) {
    try {
      make_family(spec, 2);
      ADD_FAILURE() << spec << " was accepted";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("--family"), std::string::npos) << what;
      EXPECT_NE(what.find("flow:iaf*4"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace elbo::family
