// The flow layers against independent numbers: inverse round trips, log|det J|
// against the log-determinant of a central finite-difference Jacobian, the
// triangular Jacobian of IAF and MADE's autoregressive masks (finite
// differences), the invertibility constraints of Rezende & Mohamed (2015)
// under arbitrary raw parameters, and the free functions' broadcasting over
// per-data-point parameters.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/affine_coupling_flow.hpp"
#include "elbo/family/inverse_autoregressive_flow.hpp"
#include "elbo/family/masked_autoencoder.hpp"
#include "elbo/family/planar_flow.hpp"
#include "elbo/family/radial_flow.hpp"

namespace elbo::family {
namespace {

using torch::kDouble;

// A layer of each kind with random, far-from-identity parameters.
FlowTransformPtr random_layer(const std::string& kind, int64_t dim, uint64_t seed,
                              bool reverse = false) {
  auto gen = make_generator(seed);
  FlowTransformPtr layer;
  double scale = 0.8;
  if (kind == "planar") {
    layer = std::make_shared<PlanarFlow>(dim, gen);
    scale = 1.5;
  } else if (kind == "radial") {
    layer = std::make_shared<RadialFlow>(dim, gen);
    scale = 1.5;
  } else if (kind == "realnvp") {
    layer = std::make_shared<AffineCouplingFlow>(
        AffineCouplingFlowOptions(dim, {8, 8}).parity(reverse ? 1 : 0), gen);
  } else {
    layer = std::make_shared<InverseAutoregressiveFlow>(
        InverseAutoregressiveFlowOptions(dim, {8, 8}).reverse_order(reverse).gate_bias(0.5), gen);
  }
  torch::NoGradGuard no_grad;
  for (auto& p : layer->parameters()) p.add_(scale * torch::randn(p.sizes(), gen, p.options()));
  return layer;
}

// Central finite-difference Jacobian of f at one point x [D]: J[i][j] = ∂f_i/∂x_j.
at::Tensor fd_jacobian(const std::function<at::Tensor(const at::Tensor&)>& f, const at::Tensor& x,
                       double h = 1e-5) {
  const int64_t D = x.size(0);
  auto J = torch::zeros({D, D}, kDouble);
  for (int64_t j = 0; j < D; ++j) {
    auto xp = x.clone(), xm = x.clone();
    xp[j] += h;
    xm[j] -= h;
    J.select(1, j).copy_((f(xp) - f(xm)) / (2 * h));
  }
  return J;
}

at::Tensor forward_one(FlowTransform& layer, const at::Tensor& x) {
  return layer.forward(x.unsqueeze(0)).z.squeeze(0);
}

class EveryLayer : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryLayer, InverseRoundTrip) {
  torch::NoGradGuard no_grad;
  for (int64_t dim : {1, 2, 5}) {
    for (bool reverse : {false, true}) {
      auto layer = random_layer(GetParam(), dim, 11 + dim, reverse);
      auto z = 1.5 * torch::randn({64, dim}, make_generator(5), kDouble);
      auto y = layer->forward(z).z;
      EXPECT_LT((layer->inverse(y) - z).abs().max().item<double>(), 1e-8) << dim;
      EXPECT_LT((layer->forward(layer->inverse(z)).z - z).abs().max().item<double>(), 1e-8) << dim;
    }
  }
}

TEST_P(EveryLayer, LogDetMatchesFiniteDifferenceJacobian) {
  torch::NoGradGuard no_grad;
  for (int64_t dim : {1, 3, 4}) {
    auto layer = random_layer(GetParam(), dim, 21 + dim);
    auto z = torch::randn({6, dim}, make_generator(6), kDouble);
    auto log_det = layer->forward(z).log_det;
    ASSERT_EQ(log_det.sizes(), (std::vector<int64_t>{6}));
    for (int64_t k = 0; k < 6; ++k) {
      auto J = fd_jacobian([&](const at::Tensor& x) { return forward_one(*layer, x); }, z[k]);
      auto [sign, logabs] = torch::linalg_slogdet(J);
      EXPECT_GT(sign.item<double>(), 0.0) << GetParam() << " dim " << dim;  // orientation kept
      EXPECT_NEAR(log_det[k].item<double>(), logabs.item<double>(), 1e-7) << GetParam() << " " << dim;
    }
  }
}

TEST_P(EveryLayer, StartsAtIdentityOrScaledIdentity) {
  torch::NoGradGuard no_grad;
  const int64_t dim = 3;
  auto gen = make_generator(3);
  FlowTransformPtr layer;
  if (GetParam() == "planar") layer = std::make_shared<PlanarFlow>(dim, gen);
  if (GetParam() == "radial") layer = std::make_shared<RadialFlow>(dim, gen);
  if (GetParam() == "realnvp") layer = std::make_shared<AffineCouplingFlow>(AffineCouplingFlowOptions(dim, {8}), gen);
  if (GetParam() == "iaf") layer = std::make_shared<InverseAutoregressiveFlow>(InverseAutoregressiveFlowOptions(dim, {8}), gen);
  auto z = torch::randn({10, dim}, gen, kDouble);
  auto out = layer->forward(z);
  const double c = layer->initial_scale();
  EXPECT_LT((out.z - c * z).abs().max().item<double>(), 1e-14);
  EXPECT_NEAR(out.log_det[0].item<double>(), dim * std::log(c), 1e-14);
  if (GetParam() == "iaf") EXPECT_NEAR(c, 1.0 / (1.0 + std::exp(-2.0)), 1e-15);  // default gate bias 2
}

TEST_P(EveryLayer, CloneIsDeepAndEqual) {
  torch::NoGradGuard no_grad;
  auto layer = random_layer(GetParam(), 3, 31);
  auto copy = layer->clone_layer();
  auto z = torch::randn({5, 3}, make_generator(1), kDouble);
  EXPECT_TRUE(torch::equal(layer->forward(z).z, copy->forward(z).z));
  for (auto& p : copy->parameters()) p.add_(1.0);
  EXPECT_FALSE(torch::allclose(layer->forward(z).z, copy->forward(z).z));
}

INSTANTIATE_TEST_SUITE_P(Flows, EveryLayer, ::testing::Values("planar", "radial", "realnvp", "iaf"));

TEST(InverseAutoregressiveFlow, JacobianIsTriangularInItsOrdering) {
  torch::NoGradGuard no_grad;
  const int64_t D = 5;
  for (bool reverse : {false, true}) {
    auto layer = random_layer("iaf", D, 41, reverse);
    auto z = torch::randn({D}, make_generator(2), kDouble);
    auto J = fd_jacobian([&](const at::Tensor& x) { return forward_one(*layer, x); }, z);
    // Order 0..D−1: z'_i depends on z_j, j ≤ i only (upper part zero);
    // reversed: on j ≥ i only (lower part zero).
    auto off = reverse ? J.tril(-1) : J.triu(1);
    EXPECT_EQ(off.abs().max().item<double>(), 0.0) << "reverse " << reverse;
    auto on = reverse ? J.triu(1) : J.tril(-1);
    EXPECT_GT(on.abs().max().item<double>(), 1e-3);  // it is not diagonal
    // Diagonal = σ ∈ (0, 1).
    EXPECT_GT(J.diagonal().min().item<double>(), 0.0);
    EXPECT_LT(J.diagonal().max().item<double>(), 1.0);
  }
}

TEST(MaskedAutoencoder, OutputsDependOnlyOnEarlierVariablesInAnyOrder) {
  torch::NoGradGuard no_grad;
  const int64_t D = 4, C = 3;
  const std::vector<int64_t> order = {2, 0, 3, 1};  // variable 2 first, then 0, 3, 1
  auto gen = make_generator(8);
  MaskedAutoencoder made(
      MaskedAutoencoderOptions(D, {10, 7}).outputs_per_dim(3).context_dim(C).order(order).zero_output(false),
      gen);
  std::vector<int64_t> position(D);
  for (int64_t i = 0; i < D; ++i) position[order[i]] = i;
  auto x = torch::randn({D}, gen, kDouble);
  auto ctx = torch::randn({C}, gen, kDouble);
  auto out = made.forward(x.unsqueeze(0), ctx.unsqueeze(0));
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 3, D}));
  for (int64_t p = 0; p < 3; ++p) {
    auto J = fd_jacobian(
        [&](const at::Tensor& v) { return made.forward(v.unsqueeze(0), ctx.unsqueeze(0))[0][p]; }, x);
    for (int64_t d = 0; d < D; ++d) {
      for (int64_t j = 0; j < D; ++j) {
        const double g = std::abs(J[d][j].item<double>());
        if (position[j] >= position[d]) {
          EXPECT_EQ(g, 0.0) << "output " << d << " input " << j;
        } else {
          EXPECT_GT(g, 0.0) << "output " << d << " input " << j;  // MADE connects all it may
        }
      }
    }
  }
  // The context reaches every output, including the first variable's.
  auto ctx2 = ctx + 0.5;
  auto diff = (made.forward(x.unsqueeze(0), ctx2.unsqueeze(0)) - out).abs();
  EXPECT_GT(diff.min().item<double>(), 0.0);
}

TEST(MaskedAutoencoder, RejectsBadOptionsAndInputs) {
  auto gen = make_generator(1);
  EXPECT_THROW(MaskedAutoencoder(MaskedAutoencoderOptions(3, {}), gen), ConfigError);
  EXPECT_THROW(MaskedAutoencoder(MaskedAutoencoderOptions(3, {4}).order({0, 0, 1}), gen), ConfigError);
  MaskedAutoencoder made(MaskedAutoencoderOptions(3, {4}), gen);
  EXPECT_THROW(made.forward(torch::zeros({2, 4}, kDouble)), DomainError);
  EXPECT_THROW(made.forward(torch::zeros({2, 3}, kDouble), torch::zeros({2, 1}, kDouble)), DomainError);
}

TEST(InverseAutoregressiveFlow, ContextConditionedRoundTrip) {
  torch::NoGradGuard no_grad;
  auto gen = make_generator(4);
  InverseAutoregressiveFlow layer(InverseAutoregressiveFlowOptions(3, {6, 6}).context_dim(2), gen);
  for (auto& p : layer.parameters()) p.add_(0.7 * torch::randn(p.sizes(), gen, p.options()));
  auto z = torch::randn({7, 3}, gen, kDouble);
  auto ctx = torch::randn({7, 2}, gen, kDouble);
  auto y = layer.forward(z, ctx).z;
  EXPECT_LT((layer.inverse(y, ctx) - z).abs().max().item<double>(), 1e-10);
  EXPECT_GT((layer.forward(z, ctx + 1.0).z - y).abs().max().item<double>(), 1e-3);
}

TEST(PlanarFlow, ConstraintHoldsForArbitraryRawParameters) {
  torch::NoGradGuard no_grad;
  auto gen = make_generator(9);
  const int64_t N = 2000, D = 3;
  auto w = torch::randn({N, D}, gen, kDouble);
  // Raw u anti-aligned with w: wᵀu < −1 before the correction.
  auto noise = torch::randn({N, D}, gen, kDouble);
  auto ww = (w * w).sum(-1, true);
  noise = noise - (noise * w).sum(-1, true) / ww * w;  // ⟂ w
  auto u = -(1.0 + 2.0 / ww) * w + 0.3 * noise;       // wᵀu = −‖w‖² − 2
  ASSERT_LT(((w * u).sum(-1) + 1.0).max().item<double>(), 0.0);
  auto u_hat = planar_u_hat(u, w);
  auto wu_hat = (w * u_hat).sum(-1);
  EXPECT_GT(wu_hat.min().item<double>(), -1.0);
  // û differs from u only along w (App. A.1).
  auto resid = (u_hat - u) - ((u_hat - u) * w).sum(-1, true) / (w * w).sum(-1, true) * w;
  EXPECT_LT(resid.abs().max().item<double>(), 1e-10);
  // Then 1 + h'·wᵀû > 0: the log-determinant is finite, also at wᵀz + b = 0
  // where h' = 1 is largest, and the inverse recovers z there.
  auto b = torch::randn({N}, gen, kDouble);
  auto z = -(b / (w * w).sum(-1)).unsqueeze(-1) * w;  // wᵀz + b = 0
  auto out = planar_forward(z, u, w, b);
  EXPECT_TRUE(torch::isfinite(out.log_det).all().item<bool>());
  EXPECT_LT((planar_inverse(out.z, u, w, b) - z).abs().max().item<double>(), 1e-8);
  // Extreme raw values (wᵀû within rounding of −1): still a finite log|det|.
  auto w_big = 3.0 * w, u_big = -5.0 * w_big;
  auto extreme = planar_forward(z + 0.1, u_big, w_big, b);
  EXPECT_TRUE(torch::isfinite(extreme.log_det).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(planar_inverse(extreme.z, u_big, w_big, b)).all().item<bool>());
}

TEST(RadialFlow, ConstraintHoldsForArbitraryRawParameters) {
  torch::NoGradGuard no_grad;
  auto gen = make_generator(10);
  const int64_t D = 3;
  for (double beta_raw : {-40.0, -3.0, 0.0, 5.0}) {
    for (double alpha_raw : {-5.0, 0.0, 4.0}) {
      auto z0 = torch::randn({D}, gen, kDouble);
      auto a = torch::tensor(alpha_raw, kDouble), b = torch::tensor(beta_raw, kDouble);
      // Points near and far from the centre.
      auto z = z0 + torch::randn({50, D}, gen, kDouble) *
                        torch::logspace(-4, 1, 50, 10.0, kDouble).unsqueeze(1);
      auto out = radial_forward(z, z0, a, b);
      EXPECT_TRUE(torch::isfinite(out.log_det).all().item<bool>()) << alpha_raw << " " << beta_raw;
      for (int64_t k : {20, 35, 49}) {
        auto J = fd_jacobian([&](const at::Tensor& x) { return radial_forward(x.unsqueeze(0), z0, a, b).z[0]; },
                             z[k], 1e-6);
        EXPECT_GT(torch::linalg_det(J).item<double>(), 0.0) << alpha_raw << " " << beta_raw;
      }
      auto back = radial_inverse(out.z, z0, a, b);
      EXPECT_LT(((back - z).abs() / (1.0 + z.abs())).max().item<double>(), 1e-9)
          << alpha_raw << " " << beta_raw;
    }
  }
}

TEST(FreeFunctions, BroadcastOverPerDataPointParameters) {
  torch::NoGradGuard no_grad;
  auto gen = make_generator(12);
  const int64_t K = 4, N = 3, D = 2;
  auto z = torch::randn({K, N, D}, gen, kDouble);
  auto u = torch::randn({N, D}, gen, kDouble), w = torch::randn({N, D}, gen, kDouble);
  auto b = torch::randn({N}, gen, kDouble);
  auto z0 = torch::randn({N, D}, gen, kDouble);
  auto ar = torch::randn({N}, gen, kDouble), br = torch::randn({N}, gen, kDouble);
  auto planar = planar_forward(z, u, w, b);
  auto radial = radial_forward(z, z0, ar, br);
  ASSERT_EQ(planar.log_det.sizes(), (std::vector<int64_t>{K, N}));
  ASSERT_EQ(radial.log_det.sizes(), (std::vector<int64_t>{K, N}));
  for (int64_t n = 0; n < N; ++n) {
    auto zn = z.select(1, n);
    auto p = planar_forward(zn, u[n], w[n], b[n]);
    auto r = radial_forward(zn, z0[n], ar[n], br[n]);
    EXPECT_TRUE(torch::allclose(planar.z.select(1, n), p.z, 0, 1e-14));
    EXPECT_TRUE(torch::allclose(planar.log_det.select(1, n), p.log_det, 0, 1e-14));
    EXPECT_TRUE(torch::allclose(radial.z.select(1, n), r.z, 0, 1e-14));
    EXPECT_TRUE(torch::allclose(radial.log_det.select(1, n), r.log_det, 0, 1e-14));
  }
  EXPECT_LT((planar_inverse(planar.z, u, w, b) - z).abs().max().item<double>(), 1e-9);
  EXPECT_LT((radial_inverse(radial.z, z0, ar, br) - z).abs().max().item<double>(), 1e-9);
  // Coupling and IAF steps with explicit conditioner outputs.
  auto mask = alternating_mask(D, 0);
  auto shift = torch::randn({K, N, D}, gen, kDouble), log_scale = torch::randn({K, N, D}, gen, kDouble);
  auto coupled = affine_coupling_forward(z, mask, shift, log_scale);
  EXPECT_TRUE(torch::allclose(coupled.log_det, log_scale.select(-1, 1), 0, 1e-14));  // mask = [1, 0]
  EXPECT_LT((affine_coupling_inverse(coupled.z, mask, shift, log_scale) - z).abs().max().item<double>(), 1e-12);
  auto iaf = iaf_forward(z, shift, log_scale);
  EXPECT_TRUE(torch::allclose(iaf.log_det, torch::log(torch::sigmoid(log_scale)).sum(-1), 0, 1e-12));
  EXPECT_LT((iaf_inverse_step(iaf.z, shift, log_scale) - z).abs().max().item<double>(), 1e-12);
}

TEST(PlanarFlow, InverseIsDifferentiableByTheImplicitFunctionTheorem) {
  // ∂/∂(params, z') of Σ f⁻¹(z') by autograd (one Newton step at the root) vs
  // central finite differences of the root-found inverse.
  auto gen = make_generator(13);
  const int64_t D = 3;
  auto u = torch::randn({D}, gen, kDouble).requires_grad_();
  auto w = torch::randn({D}, gen, kDouble).requires_grad_();
  auto b = torch::randn({}, gen, kDouble).requires_grad_();
  auto y = torch::randn({4, D}, gen, kDouble).requires_grad_();
  auto weights = torch::randn({4, D}, gen, kDouble);
  auto objective = [&]() { return (planar_inverse(y, u, w, b) * weights).sum(); };
  auto grads = torch::autograd::grad({objective()}, {u, w, b, y});
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> params = {u, w, b, y};
  for (size_t i = 0; i < params.size(); ++i) {
    auto flat = params[i].view({-1});
    for (int64_t j = 0; j < flat.numel(); ++j) {
      const double h = 1e-6, old = flat[j].item<double>();
      flat[j] = old + h;
      const double up = objective().item<double>();
      flat[j] = old - h;
      const double down = objective().item<double>();
      flat[j] = old;
      EXPECT_NEAR(grads[i].view({-1})[j].item<double>(), (up - down) / (2 * h), 1e-6) << i << " " << j;
    }
  }
}

}  // namespace
}  // namespace elbo::family
