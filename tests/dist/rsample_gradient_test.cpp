// Reparameterisation gradients. For every distribution with rsample:
//   L(θ) = mean over 500 draws of f(rsample(θ)),  f(x) = Σ sin x + ½ cos 2x + x/10,
// with the generator reseeded identically for every evaluation, so L is a
// deterministic smooth function of θ; its autograd gradient must match central
// finite differences (L(θ + h) − L(θ − h)) / 2h for every parameter element.
//
// Parameters that enter torch's gamma sampler (concentrations, StudentT's df)
// are different: the sampler is Marsaglia–Tsang rejection, so a fixed seed does
// not make the draw a smooth function of α (an accept/reject flip desynchronises
// the stream) and the implicit gradient is not the derivative of that path
// anyway. For them we check (a) each draw's dx/dα against the implicit-function
// derivative −(∂F/∂α)/p computed from the regularised incomplete gamma function,
// and (b) that the mean of 20000 per-draw gradients of f(x) = log x matches the
// exact d/dα E[log X] (polygamma identities) within 5 Monte-Carlo standard errors.
#include <gtest/gtest.h>

#include <functional>

#include "double_tensor.hpp"
#include "reference.hpp"

namespace elbo::dist {
namespace {

using test_helpers::t;

using Build = std::function<std::shared_ptr<Distribution>(const std::vector<at::Tensor>&)>;
using Mask = std::function<bool(size_t param, int64_t flat_index)>;

constexpr int64_t kGradientDraws = 500;
constexpr uint64_t kSeed = 1234;

at::Tensor objective(const Build& build, const std::vector<at::Tensor>& params) {
  auto d = build(params);
  auto x = d->rsample({kGradientDraws}, make_generator(kSeed));
  auto f = x.sin() + 0.5 * (2 * x).cos() + 0.1 * x;
  return f.sum() / static_cast<double>(kGradientDraws);
}

void expect_gradient_matches_fd(const std::string& label, const Build& build,
                                std::vector<at::Tensor> params, Mask use = nullptr) {
  SCOPED_TRACE(label);
  std::vector<at::Tensor> leaves;
  for (auto& p : params) leaves.push_back(p.clone().requires_grad_(true));
  auto loss = objective(build, leaves);
  auto grads = torch::autograd::grad({loss}, leaves);
  at::NoGradGuard no_grad;
  int checked = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    auto flat = params[i].reshape({-1});
    for (int64_t j = 0; j < flat.numel(); ++j) {
      if (use && !use(i, j)) continue;
      double v = flat[j].item<double>();
      double h = 1e-6 * std::max(1.0, std::abs(v));
      auto shifted = [&](double delta) {
        auto ps = params;
        ps[i] = params[i].clone();
        ps[i].reshape({-1})[j] = v + delta;
        return objective(build, ps).item<double>();
      };
      double fd = (shifted(h) - shifted(-h)) / (2 * h);
      double ad = grads[i].reshape({-1})[j].item<double>();
      EXPECT_NEAR(ad, fd, 1e-5 * (1 + std::abs(fd)))
          << "parameter " << i << " element " << j;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(RsampleGradient, Normal) {
  expect_gradient_matches_fd(
      "normal", [](auto& p) { return std::make_shared<Normal>(p[0], p[1]); },
      {t({0.3, -1.0}), t({0.5, 2.0})});
}

TEST(RsampleGradient, LogNormal) {
  expect_gradient_matches_fd(
      "log_normal", [](auto& p) { return std::make_shared<LogNormal>(p[0], p[1]); },
      {t({0.3, -1.0}), t({0.5, 0.2})});
}

TEST(RsampleGradient, HalfNormal) {
  expect_gradient_matches_fd(
      "half_normal", [](auto& p) { return std::make_shared<HalfNormal>(p[0]); },
      {t({0.5, 2.0})});
}

TEST(RsampleGradient, Cauchy) {
  expect_gradient_matches_fd(
      "cauchy", [](auto& p) { return std::make_shared<Cauchy>(p[0], p[1]); },
      {t({0.3, -1.0}), t({0.5, 2.0})});
}

TEST(RsampleGradient, Exponential) {
  expect_gradient_matches_fd(
      "exponential", [](auto& p) { return std::make_shared<Exponential>(p[0]); },
      {t({0.5, 3.0})});
}

// Location/scale parameters of the gamma family: the gamma draws do not depend
// on them, so the fixed-seed finite differences apply (parameter 0 is skipped).
auto skip_first = [](size_t param, int64_t) { return param != 0; };

TEST(RsampleGradient, StudentTLocScale) {
  expect_gradient_matches_fd(
      "student_t", [](auto& p) { return std::make_shared<StudentT>(p[0], p[1], p[2]); },
      {t({2.5, 7.0}), t({0.3, -1.0}), t({0.5, 2.0})}, skip_first);
}

TEST(RsampleGradient, GammaRate) {
  expect_gradient_matches_fd(
      "gamma", [](auto& p) { return std::make_shared<Gamma>(p[0], p[1]); },
      {t({0.4, 1.0, 6.0}), t({2.0, 0.5, 1.5})}, skip_first);
}

TEST(RsampleGradient, InverseGammaScale) {
  expect_gradient_matches_fd(
      "inverse_gamma", [](auto& p) { return std::make_shared<InverseGamma>(p[0], p[1]); },
      {t({1.5, 6.0}), t({2.0, 0.5})}, skip_first);
}

// (b): mean of per-draw gradients vs the exact gradient of the expectation.
constexpr int64_t kMcDraws = 20000;

void expect_mean_gradient(const std::string& label, const at::Tensor& per_draw,
                          const at::Tensor& expected) {
  auto mean = per_draw.mean(0);
  auto se = per_draw.std(0) / std::sqrt(static_cast<double>(per_draw.size(0)));
  auto z = ((mean - expected) / se).abs();
  EXPECT_TRUE((z < 5).all().item<bool>())
      << label << ": mean gradient " << mean << " vs exact " << expected << " (z " << z << ")";
}

at::Tensor trigamma(const at::Tensor& x) { return torch::polygamma(1, x); }

TEST(RsampleGradient, GammaConcentrationInExpectation) {
  for (double alpha : {0.4, 1.0, 6.0}) {
    // E[log X] = ψ(α) − log β  ⇒  d/dα = ψ'(α).
    auto a = torch::full({kMcDraws}, alpha, torch::kDouble).requires_grad_(true);
    auto x = Gamma(a, 2.0).rsample({}, make_generator(5));
    auto g = torch::autograd::grad({x.log().sum()}, {a})[0];
    expect_mean_gradient("gamma log", g, trigamma(torch::tensor(alpha, torch::kDouble)));
    // E[X] = α/β  ⇒  d/dα = 1/β.
    auto a2 = torch::full({kMcDraws}, alpha, torch::kDouble).requires_grad_(true);
    auto x2 = Gamma(a2, 2.0).rsample({}, make_generator(6));
    auto g2 = torch::autograd::grad({x2.sum()}, {a2})[0];
    expect_mean_gradient("gamma mean", g2, torch::tensor(0.5, torch::kDouble));
  }
}

TEST(RsampleGradient, InverseGammaConcentrationInExpectation) {
  // E[log X] = log β − ψ(α)  ⇒  d/dα = −ψ'(α).
  for (double alpha : {0.7, 3.0}) {
    auto a = torch::full({kMcDraws}, alpha, torch::kDouble).requires_grad_(true);
    auto x = InverseGamma(a, 1.5).rsample({}, make_generator(7));
    auto g = torch::autograd::grad({x.log().sum()}, {a})[0];
    expect_mean_gradient("inverse_gamma", g, -trigamma(torch::tensor(alpha, torch::kDouble)));
  }
}

TEST(RsampleGradient, BetaConcentrationsInExpectation) {
  // E[log X] = ψ(a) − ψ(a + b)  ⇒  ∂/∂a = ψ'(a) − ψ'(a+b), ∂/∂b = −ψ'(a+b).
  const double a0 = 0.7, b0 = 2.5;
  auto a = torch::full({kMcDraws}, a0, torch::kDouble).requires_grad_(true);
  auto b = torch::full({kMcDraws}, b0, torch::kDouble).requires_grad_(true);
  auto x = Beta(a, b).rsample({}, make_generator(8));
  auto grads = torch::autograd::grad({x.log().sum()}, {a, b});
  auto ta = torch::tensor(a0, torch::kDouble), tb = torch::tensor(b0, torch::kDouble);
  expect_mean_gradient("beta d/da", grads[0], trigamma(ta) - trigamma(ta + tb));
  expect_mean_gradient("beta d/db", grads[1], -trigamma(ta + tb));
}

TEST(RsampleGradient, DirichletConcentrationInExpectation) {
  // E[log X_0] = ψ(α_0) − ψ(α₀)  ⇒  ∂/∂α_j = ψ'(α_0) δ_0j − ψ'(Σα).
  auto alpha = t({0.8, 2.0, 5.0});
  auto a = alpha.expand({kMcDraws, 3}).clone().requires_grad_(true);
  auto x = Dirichlet(a).rsample({}, make_generator(9));
  auto g = torch::autograd::grad({x.select(-1, 0).log().sum()}, {a})[0];  // [N, 3]
  auto expected = -trigamma(alpha.sum()).expand({3}).clone();
  expected[0] += trigamma(alpha[0]);
  expect_mean_gradient("dirichlet", g, expected);
}

TEST(RsampleGradient, StudentTDfInExpectation) {
  // For T ~ t_ν: E[log(1 + T²/ν)] = ψ((ν+1)/2) − ψ(ν/2), so
  // d/dν = ½ψ'((ν+1)/2) − ½ψ'(ν/2) (total derivative, ν also inside f).
  for (double nu : {2.5, 9.0}) {
    auto df = torch::full({kMcDraws}, nu, torch::kDouble).requires_grad_(true);
    auto x = StudentT(df, 1.0, 2.0).rsample({}, make_generator(10));
    auto f = (((x - 1.0) / 2.0).square() / df).log1p();
    auto g = torch::autograd::grad({f.sum()}, {df})[0];
    auto n = torch::tensor(nu, torch::kDouble);
    expect_mean_gradient("student_t", g, 0.5 * trigamma((n + 1) / 2) - 0.5 * trigamma(n / 2));
  }
}

TEST(RsampleGradient, MultivariateNormal) {
  auto tril = t({1.0, 0.0, 0.0, 0.6, 0.5, 0.0, -1.0, 0.3, 2.0}).reshape({3, 3});
  expect_gradient_matches_fd(
      "multivariate_normal",
      [](auto& p) { return std::make_shared<MultivariateNormal>(p[0], p[1]); },
      {t({0.3, -1.0, 2.0}), tril},
      // Only the lower triangle is a parameter of scale_tril.
      [](size_t param, int64_t j) { return param == 0 || j / 3 >= j % 3; });
}

TEST(RsampleGradient, LowRankMultivariateNormal) {
  expect_gradient_matches_fd(
      "low_rank_multivariate_normal",
      [](auto& p) { return std::make_shared<LowRankMultivariateNormal>(p[0], p[1], p[2]); },
      {t({0.3, -1.0, 2.0}), t({1.0, 0.5, -1.0, 0.0, 0.3, 2.0}).reshape({3, 2}),
       t({0.5, 1.0, 0.1})});
}

TEST(RsampleGradient, Independent) {
  expect_gradient_matches_fd(
      "independent(normal)",
      [](auto& p) { return std::make_shared<Independent>(Normal(p[0], p[1]), 1); },
      {t({0.3, -1.0}), t({0.5, 2.0})});
}

// Implicit reparameterisation (Figurnov et al. 2018): for X = F⁻¹(U; α),
// dX/dα = −(∂F/∂α)(X; α) / p(X; α), with F(x; α) = P(α, x) = igamma(α, x).
TEST(RsampleGradient, GammaImplicitGradientPerDraw) {
  for (double alpha : {0.3, 1.0, 4.5}) {
    auto a = torch::full({200}, alpha, torch::kDouble).requires_grad_(true);
    auto x = Gamma(a, 1.0).rsample({}, make_generator(99));
    auto dx = torch::autograd::grad({x.sum()}, {a})[0];
    at::NoGradGuard no_grad;
    auto xd = x.detach();
    const double h = 1e-6;
    auto dF = (torch::igamma(a.detach() + h, xd) - torch::igamma(a.detach() - h, xd)) / (2 * h);
    auto density = Gamma(a.detach(), 1.0).log_prob(xd).exp();
    auto expected = -dF / density;
    // torch's _standard_gamma_grad is itself an approximation (series, saddle
    // point and rational fits), accurate to a few 1e-4 relative.
    EXPECT_TRUE(testing::all_close(dx, expected, 2e-3, 1e-8)) << "alpha " << alpha;
  }
}

TEST(RsampleGradient, SampleIsDetachedAndRsampleIsNot) {
  auto loc = t({0.0, 1.0}).requires_grad_(true);
  Normal d(loc, 1.0);
  EXPECT_FALSE(d.sample({3}, make_generator(1)).requires_grad());
  EXPECT_TRUE(d.rsample({3}, make_generator(1)).requires_grad());
  EXPECT_TRUE(torch::equal(d.sample({3}, make_generator(1)),
                           d.rsample({3}, make_generator(1)).detach()));
}

}  // namespace
}  // namespace elbo::dist
