// Gradients through the reparameterised sample against central finite differences
// (double precision, tiny networks, common random numbers), and flow log-determinants
// against the log|det| of the autograd Jacobian.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/amortized/iaf.hpp"
#include "elbo/amortized/objective.hpp"
#include "elbo/amortized/planar_flow.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

void check_encoder_gradient(Covariance cov, FlowKind flow, Bound bound) {
  SCOPED_TRACE(flow_name(flow, 2) + (cov == Covariance::Cholesky ? " cholesky" : " diagonal"));
  torch::manual_seed(21);
  Vae vae(VaeOptions(6, 3).hidden({5}).covariance(cov).flow(flow).flow_length(flow == FlowKind::None ? 0 : 2));
  vae->to(torch::kDouble);
  auto gen = make_generator(22);
  const auto x = at::bernoulli(torch::full({4, 6}, 0.5, torch::kDouble), gen);
  const auto options = ObjectiveOptions().bound(bound).samples(3).analytic_kl(false);
  auto loss = [&] { return evaluate_objective(vae, x, options, make_generator(23)).loss; };
  vae->zero_grad();
  loss().backward();
  torch::NoGradGuard g;
  int checked = 0;
  for (auto& p : vae->encoder()->parameters()) {
    auto flat = p.view({-1});
    auto grad = p.grad().view({-1});
    for (int64_t i = 0; i < flat.numel(); i += std::max<int64_t>(1, flat.numel() / 7)) {
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
  EXPECT_GT(checked, 10);
}

TEST(Gradient, EncoderThroughReparameterisedSampleMatchesFiniteDifferences) {
  check_encoder_gradient(Covariance::Diagonal, FlowKind::None, Bound::Elbo);
  check_encoder_gradient(Covariance::Cholesky, FlowKind::None, Bound::Elbo);
  check_encoder_gradient(Covariance::Diagonal, FlowKind::Planar, Bound::Elbo);
  check_encoder_gradient(Covariance::Diagonal, FlowKind::Iaf, Bound::Iwae);
}

/// log|det ∂f/∂z| of f: R^D → R^D at one point, from the autograd Jacobian.
double jacobian_log_det(const std::function<at::Tensor(const at::Tensor&)>& f, const at::Tensor& z0) {
  const int64_t d = z0.numel();
  auto J = torch::zeros({d, d}, torch::kDouble);
  auto z = z0.clone().requires_grad_(true);
  auto y = f(z);
  for (int64_t i = 0; i < d; ++i) {
    auto gi = torch::autograd::grad({y[i]}, {z}, {}, /*retain_graph=*/true)[0];
    J[i] = gi;
  }
  return std::log(std::abs(torch::det(J).item<double>()));
}

TEST(Flows, PlanarLogDetAndInvertibilityConstraint) {
  auto gen = make_generator(31);
  const int64_t d = 4;
  for (int trial = 0; trial < 5; ++trial) {
    auto u = 3.0 * at::randn({1, d}, gen, torch::kDouble);
    auto w = at::randn({1, d}, gen, torch::kDouble);
    auto b = at::randn({1}, gen, torch::kDouble);
    // wᵀû ≥ −1 for any u (Rezende & Mohamed 2015, App. A.1).
    EXPECT_GE((w * planar_u_hat(u, w)).sum().item<double>(), -1.0);
    auto z0 = at::randn({d}, gen, torch::kDouble);
    auto f = [&](const at::Tensor& z) { return planar_step(z.view({1, 1, d}), u, w, b).first.view({d}); };
    const double expected = jacobian_log_det(f, z0);
    const double got = planar_step(z0.view({1, 1, d}), u, w, b).second.item<double>();
    EXPECT_NEAR(got, expected, 1e-10);
  }
}

TEST(Flows, IafLogDetAndAutoregressiveJacobian) {
  torch::manual_seed(41);
  const int64_t d = 5, c = 3;
  for (bool reverse : {false, true}) {
    IafStep step(d, 8, c, reverse);
    step->to(torch::kDouble);
    {
      torch::NoGradGuard g;  // move away from the near-identity start
      for (auto& p : step->parameters()) p.add_(0.5 * torch::randn_like(p));
    }
    auto gen = make_generator(42);
    auto h = at::randn({1, c}, gen, torch::kDouble);
    auto z0 = at::randn({d}, gen, torch::kDouble);
    auto f = [&](const at::Tensor& z) { return step->forward(z.view({1, 1, d}), h).first.view({d}); };
    EXPECT_NEAR(step->forward(z0.view({1, 1, d}), h).second.item<double>(), jacobian_log_det(f, z0), 1e-10);
    // MADE: output j depends on inputs < j only.
    auto z = z0.clone().requires_grad_(true);
    auto [m, s] = step->made()->forward(z.view({1, d}), h);
    for (int64_t j = 0; j < d; ++j) {
      auto gm = torch::autograd::grad({m[0][j] + s[0][j]}, {z}, {}, true)[0];
      for (int64_t i = j; i < d; ++i) EXPECT_EQ(gm[i].item<double>(), 0.0) << j << " " << i;
      if (j > 0) EXPECT_NE(gm.narrow(0, 0, j).abs().sum().item<double>(), 0.0) << j;
    }
  }
}

}  // namespace
}  // namespace elbo::amortized
