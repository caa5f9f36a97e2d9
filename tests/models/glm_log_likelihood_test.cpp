// glm_log_likelihood: values and first/second derivatives of the custom autograd
// Function against autograd of the plain element-wise expression, and first
// derivatives against central finite differences.
#include "elbo/models/glm_log_likelihood.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "models/reference.hpp"

namespace elbo::models {

// Readable parameter names in gtest output.
void PrintTo(GlmFamily family, std::ostream* os) { *os << to_string(family); }

namespace {

using testing::expect_close;

constexpr int64_t S = 7, D = 3, K = 4;

struct Problem {
  at::Tensor X, y, alpha, beta, sigma, offset;
};

Problem make_problem(GlmFamily family, bool with_offset = false) {
  auto gen = at::detail::createCPUGenerator(1234 + static_cast<int>(family));
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  Problem p;
  p.X = torch::randn({S, D}, gen, opts);
  switch (family) {
    case GlmFamily::gaussian: p.y = torch::randn({S}, gen, opts) * 2; break;
    case GlmFamily::bernoulli_logit:
      p.y = (torch::rand({S}, gen, opts) < 0.5).to(torch::kDouble);
      break;
    case GlmFamily::poisson_log:
      p.y = torch::floor(torch::rand({S}, gen, opts) * 5);
      break;
  }
  p.alpha = (torch::randn({K}, gen, opts) * 0.5).requires_grad_();
  p.beta = (torch::randn({K, D}, gen, opts) * 0.5).requires_grad_();
  if (family == GlmFamily::gaussian) {
    p.sigma = (torch::rand({K}, gen, opts) + 0.5).requires_grad_();
  }
  if (with_offset) p.offset = torch::randn({S}, gen, opts) * 0.3;
  return p;
}

/// The same log likelihood written as plain element-wise autograd ops, each
/// family in its textbook form.
at::Tensor plain(GlmFamily family, const Problem& p, const at::Tensor& alpha,
                 const at::Tensor& beta, const at::Tensor& sigma) {
  auto eta = alpha.unsqueeze(1) + (beta.unsqueeze(1) * p.X.unsqueeze(0)).sum(-1);
  if (p.offset.defined()) eta = eta + p.offset;
  switch (family) {
    case GlmFamily::gaussian: {
      auto s = sigma.unsqueeze(1);
      return (-0.5 * torch::log(2 * M_PI * s * s) - (p.y - eta).pow(2) / (2 * s * s)).sum(1);
    }
    case GlmFamily::bernoulli_logit:
      return (p.y * torch::log_sigmoid(eta) + (1 - p.y) * torch::log_sigmoid(-eta)).sum(1);
    case GlmFamily::poisson_log:
      return (p.y * eta - torch::exp(eta) - torch::lgamma(p.y + 1)).sum(1);
  }
  return {};
}

at::Tensor custom(GlmFamily family, const Problem& p, const at::Tensor& alpha,
                  const at::Tensor& beta, const at::Tensor& sigma) {
  return glm_log_likelihood(family, p.X, p.y, alpha, beta, sigma, p.offset);
}

class GlmTest : public ::testing::TestWithParam<std::tuple<GlmFamily, bool>> {};

TEST_P(GlmTest, ValueMatchesPlainExpression) {
  // Not a structured binding: lambdas capture those only from C++20 (clang refuses).
  const auto family = std::get<0>(GetParam());
  const bool with_offset = std::get<1>(GetParam());
  auto p = make_problem(family, with_offset);
  expect_close(custom(family, p, p.alpha, p.beta, p.sigma),
               plain(family, p, p.alpha, p.beta, p.sigma));
  torch::NoGradGuard no_grad;  // the graph-free path gives the same value
  expect_close(custom(family, p, p.alpha, p.beta, p.sigma),
               plain(family, p, p.alpha, p.beta, p.sigma));
}

TEST_P(GlmTest, GradientMatchesAutogradOfPlainExpression) {
  const auto family = std::get<0>(GetParam());
  const bool with_offset = std::get<1>(GetParam());
  auto p = make_problem(family, with_offset);
  auto w = torch::linspace(-1.0, 2.0, K, torch::kDouble);  // non-trivial grad_output
  std::vector<at::Tensor> inputs{p.alpha, p.beta};
  if (p.sigma.defined()) inputs.push_back(p.sigma);
  auto g_custom = torch::autograd::grad({(w * custom(family, p, p.alpha, p.beta, p.sigma)).sum()},
                                        inputs);
  auto g_plain = torch::autograd::grad({(w * plain(family, p, p.alpha, p.beta, p.sigma)).sum()},
                                       inputs);
  ASSERT_EQ(g_custom.size(), g_plain.size());
  for (size_t i = 0; i < g_custom.size(); ++i) expect_close(g_custom[i], g_plain[i]);
}

TEST_P(GlmTest, GradientMatchesCentralFiniteDifferences) {
  const auto family = std::get<0>(GetParam());
  const bool with_offset = std::get<1>(GetParam());
  auto p = make_problem(family, with_offset);
  auto w = torch::linspace(-1.0, 2.0, K, torch::kDouble);
  std::vector<at::Tensor> inputs{p.alpha, p.beta};
  if (p.sigma.defined()) inputs.push_back(p.sigma);
  auto grads =
      torch::autograd::grad({(w * custom(family, p, p.alpha, p.beta, p.sigma)).sum()}, inputs);

  torch::NoGradGuard no_grad;
  const double h = 1e-6;
  for (size_t which = 0; which < inputs.size(); ++which) {
    auto flat = inputs[which].detach().reshape({-1});
    for (int64_t j = 0; j < flat.numel(); ++j) {
      auto eval = [&](double delta) {
        std::vector<at::Tensor> shifted;
        for (auto& t : inputs) shifted.push_back(t.detach().clone());
        shifted[which].view({-1})[j] += delta;
        auto sig = shifted.size() > 2 ? shifted[2] : at::Tensor();
        return (w * custom(family, p, shifted[0], shifted[1], sig)).sum().item<double>();
      };
      const double fd = (eval(h) - eval(-h)) / (2 * h);
      const double an = grads[which].reshape({-1})[j].item<double>();
      EXPECT_NEAR(an, fd, 1e-6 * (1 + std::abs(fd))) << "input " << which << " index " << j;
    }
  }
}

TEST_P(GlmTest, SecondDerivativesMatchPlainExpression) {
  // With create_graph the backward pass is itself differentiable: Hessian-vector
  // products agree with those of the plain expression.
  const auto family = std::get<0>(GetParam());
  const bool with_offset = std::get<1>(GetParam());
  auto p = make_problem(family, with_offset);
  std::vector<at::Tensor> inputs{p.alpha, p.beta};
  if (p.sigma.defined()) inputs.push_back(p.sigma);
  auto hvp = [&](bool use_custom) {
    auto f = use_custom ? custom(family, p, p.alpha, p.beta, p.sigma)
                        : plain(family, p, p.alpha, p.beta, p.sigma);
    auto g = torch::autograd::grad({f.sum()}, inputs, {}, /*retain_graph=*/true,
                                   /*create_graph=*/true);
    at::Tensor dot = torch::zeros({}, torch::kDouble);
    for (size_t i = 0; i < g.size(); ++i) {
      dot = dot + (g[i] * torch::cos(torch::arange(g[i].numel(), torch::kDouble)
                                         .reshape(g[i].sizes()))).sum();
    }
    return torch::autograd::grad({dot}, inputs);
  };
  auto a = hvp(true);
  auto b = hvp(false);
  for (size_t i = 0; i < a.size(); ++i) expect_close(a[i], b[i], 1e-10, 1e-10);
}

INSTANTIATE_TEST_SUITE_P(
    Families, GlmTest,
    ::testing::Combine(::testing::Values(GlmFamily::gaussian, GlmFamily::bernoulli_logit,
                                         GlmFamily::poisson_log),
                       ::testing::Bool()),
    [](const auto& info) {
      return to_string(std::get<0>(info.param)) +
             (std::get<1>(info.param) ? "_offset" : "");
    });

TEST(GlmLogLikelihood, IsOneAutogradNodeOverTheCoefficients) {
  // The graph has a single node whose inputs are the leaves alpha, beta, sigma:
  // nothing of size K × S is recorded.
  auto p = make_problem(GlmFamily::gaussian);
  auto out = glm_log_likelihood(GlmFamily::gaussian, p.X, p.y, p.alpha, p.beta, p.sigma);
  ASSERT_TRUE(out.grad_fn());
  const auto& edges = out.grad_fn()->next_edges();
  ASSERT_EQ(edges.size(), 3u);
  for (const auto& e : edges) {
    ASSERT_TRUE(e.function);
    EXPECT_NE(e.function->name().find("AccumulateGrad"), std::string::npos);
  }
}

TEST(GlmLogLikelihood, KnownScalarSigmaIsBroadcast) {
  auto p = make_problem(GlmFamily::gaussian);
  auto s = torch::tensor(0.8, torch::kDouble);
  expect_close(glm_log_likelihood(GlmFamily::gaussian, p.X, p.y, p.alpha, p.beta, s),
               plain(GlmFamily::gaussian, p, p.alpha, p.beta, s.expand({K})));
}

TEST(GlmLogLikelihood, BernoulliIsStableForLargeLinearPredictors) {
  // log sigmoid(η) → η as η → −∞ and → 0 as η → +∞.
  auto X = torch::tensor({{1.0}, {-1.0}}, torch::kDouble);
  auto y = torch::tensor({1.0, 1.0}, torch::kDouble);
  auto alpha = torch::zeros({1}, torch::kDouble);
  auto beta = torch::tensor({{-800.0}}, torch::kDouble).requires_grad_();
  auto ll = glm_log_likelihood(GlmFamily::bernoulli_logit, X, y, alpha, beta);
  EXPECT_DOUBLE_EQ(ll.item<double>(), -800.0);
  auto g = torch::autograd::grad({ll.sum()}, {beta})[0];
  EXPECT_DOUBLE_EQ(g.item<double>(), 1.0);  // (1 − σ(−800))·1 + (1 − σ(800))·(−1)
}

TEST(GlmLogLikelihood, ChecksShapes) {
  auto p = make_problem(GlmFamily::bernoulli_logit);
  EXPECT_THROW(glm_log_likelihood(GlmFamily::bernoulli_logit, p.X, p.y, p.alpha,
                                  torch::zeros({K, D + 1}, torch::kDouble)),
               DomainError);
  EXPECT_THROW(glm_log_likelihood(GlmFamily::bernoulli_logit, p.X, p.y.narrow(0, 0, S - 1),
                                  p.alpha, p.beta),
               DomainError);
  EXPECT_THROW(glm_log_likelihood(GlmFamily::gaussian, p.X, p.y, p.alpha, p.beta),
               DomainError);  // sigma missing
  EXPECT_THROW(glm_log_likelihood(GlmFamily::poisson_log, p.X, p.y, p.alpha, p.beta,
                                  torch::ones({K}, torch::kDouble)),
               DomainError);  // sigma given to a family without it
}

// glm_log_joint_normal_prior against the textbook normal log densities plus the
// weighted plain likelihood: value, gradients (autograd of the plain expression
// and central finite differences) and Hessian-vector products.
class GlmPriorTest : public ::testing::TestWithParam<GlmFamily> {};

at::Tensor plain_joint(GlmFamily family, const Problem& p, const at::Tensor& alpha,
                       const at::Tensor& beta, double sa, double sb, double scale) {
  auto log_normal = [](const at::Tensor& x, double s) {
    return -0.5 * (x / s).pow(2) - std::log(s) - 0.5 * std::log(2 * M_PI);
  };
  return log_normal(alpha, sa) + log_normal(beta, sb).sum(1) +
         scale * plain(family, p, alpha, beta, at::Tensor());
}

TEST_P(GlmPriorTest, ValueAndDerivativesMatchPlainExpression) {
  const auto family = GetParam();
  auto p = make_problem(family, /*with_offset=*/true);
  const double sa = 2.5, sb = 0.7, scale = 3.0;
  auto custom_joint = [&](const at::Tensor& a, const at::Tensor& b) {
    return glm_log_joint_normal_prior(family, p.X, p.y, a, b, sa, sb, scale, p.offset);
  };
  expect_close(custom_joint(p.alpha, p.beta), plain_joint(family, p, p.alpha, p.beta, sa, sb, scale));
  {
    torch::NoGradGuard no_grad;
    expect_close(custom_joint(p.alpha, p.beta),
                 plain_joint(family, p, p.alpha, p.beta, sa, sb, scale));
  }
  auto w = torch::linspace(-1.0, 2.0, K, torch::kDouble);
  auto g_custom = torch::autograd::grad({(w * custom_joint(p.alpha, p.beta)).sum()},
                                        {p.alpha, p.beta});
  auto g_plain = torch::autograd::grad(
      {(w * plain_joint(family, p, p.alpha, p.beta, sa, sb, scale)).sum()}, {p.alpha, p.beta});
  for (size_t i = 0; i < 2; ++i) expect_close(g_custom[i], g_plain[i], 1e-11, 1e-11);
  {
    torch::NoGradGuard no_grad;
    const double h = 1e-6;
    auto a = p.alpha.detach().clone(), b = p.beta.detach().clone();
    auto f = [&]() { return (w * custom_joint(a, b)).sum().item<double>(); };
    for (int64_t j = 0; j < b.numel(); ++j) {
      auto flat = b.view({-1});
      const double old = flat[j].item<double>();
      flat[j] = old + h;
      const double plus = f();
      flat[j] = old - h;
      const double minus = f();
      flat[j] = old;
      const double fd = (plus - minus) / (2 * h);
      EXPECT_NEAR(g_custom[1].view({-1})[j].item<double>(), fd, 1e-6 * (1 + std::abs(fd)));
    }
  }
  auto hvp = [&](bool use_custom) {
    auto f = use_custom ? custom_joint(p.alpha, p.beta)
                        : plain_joint(family, p, p.alpha, p.beta, sa, sb, scale);
    auto g = torch::autograd::grad({f.sum()}, {p.alpha, p.beta}, {}, true, true);
    auto dot = (g[0] * torch::cos(torch::arange(K, torch::kDouble))).sum() +
               (g[1] * torch::sin(torch::arange(K * D, torch::kDouble).reshape({K, D}))).sum();
    return torch::autograd::grad({dot}, {p.alpha, p.beta});
  };
  auto a = hvp(true), b = hvp(false);
  for (size_t i = 0; i < 2; ++i) expect_close(a[i], b[i], 1e-10, 1e-10);
}

TEST_P(GlmPriorTest, ClosedFormGradientMatchesPlainExpression) {
  // glm_log_joint_normal_prior_and_gradient: no autograd graph, the same value
  // and the gradient of the plain expression (unit weights), offset and scale on.
  const auto family = GetParam();
  auto p = make_problem(family, /*with_offset=*/true);
  const double sa = 2.5, sb = 0.7, scale = 3.0;
  auto r = glm_log_joint_normal_prior_and_gradient(family, p.X, p.y, p.alpha, p.beta, sa, sb,
                                                   scale, p.offset);
  EXPECT_FALSE(r.value.requires_grad() || r.alpha.requires_grad() || r.beta.requires_grad());
  auto plain = plain_joint(family, p, p.alpha, p.beta, sa, sb, scale);
  expect_close(r.value, plain.detach());
  auto g = torch::autograd::grad({plain.sum()}, {p.alpha, p.beta});
  expect_close(r.alpha, g[0], 1e-11, 1e-11);
  expect_close(r.beta, g[1], 1e-11, 1e-11);
  EXPECT_THROW(glm_log_joint_normal_prior_and_gradient(GlmFamily::gaussian, p.X, p.y, p.alpha,
                                                       p.beta, sa, sb),
               DomainError);
}

INSTANTIATE_TEST_SUITE_P(Families, GlmPriorTest,
                         ::testing::Values(GlmFamily::bernoulli_logit, GlmFamily::poisson_log),
                         [](const auto& info) { return to_string(info.param); });

TEST(GlmLogJointNormalPrior, RejectsGaussianFamilyAndBadScales) {
  auto p = make_problem(GlmFamily::bernoulli_logit);
  EXPECT_THROW(glm_log_joint_normal_prior(GlmFamily::gaussian, p.X, p.y, p.alpha, p.beta, 1, 1),
               DomainError);
  EXPECT_THROW(glm_log_joint_normal_prior(GlmFamily::bernoulli_logit, p.X, p.y, p.alpha, p.beta,
                                          0.0, 1.0),
               DomainError);
}

}  // namespace
}  // namespace elbo::models
