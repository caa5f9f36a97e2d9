// The fused Bernoulli log-likelihood against the plain autograd expression
// (x·l − softplus(l)).sum(-1) and a closed form: values and logit gradients agree to
// rounding, in double and float (AVX2 lanes and scalar tail), with K draws per point.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/amortized/bernoulli_log_likelihood.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

void expect_matches_plain(at::ScalarType type, int64_t k, int64_t n, int64_t p, double tol) {
  auto gen = make_generator(11);
  auto opts = torch::TensorOptions().dtype(type);
  const auto x = (at::rand({n, p}, gen, opts) < 0.3).to(type);
  const auto l0 = 6.0 * at::randn({k, n, p}, gen, opts);
  const auto w = at::randn({k, n}, gen, opts);
  auto l1 = l0.clone().requires_grad_(true), l2 = l0.clone().requires_grad_(true);
  const auto fused = bernoulli_log_likelihood(x, l1);
  const auto plain = (x * l2 - torch::softplus(l2)).sum(-1);
  ASSERT_EQ(fused.sizes(), plain.sizes());
  EXPECT_TRUE(torch::allclose(fused, plain, tol, tol)) << (fused - plain).abs().max().item<double>();
  (fused * w).sum().backward();
  (plain * w).sum().backward();
  EXPECT_TRUE(torch::allclose(l1.grad(), l2.grad(), tol, tol)) << (l1.grad() - l2.grad()).abs().max().item<double>();
}

TEST(BernoulliLogLikelihood, EqualsPlainExpressionInDouble) { expect_matches_plain(at::kDouble, 3, 5, 37, 1e-12); }

TEST(BernoulliLogLikelihood, EqualsPlainExpressionInFloat) { expect_matches_plain(at::kFloat, 2, 7, 787, 2e-5); }

TEST(BernoulliLogLikelihood, ClosedForm) {
  // l = 0: log ½ per pixel whatever x; l = log 3, x = 1: log ¾.
  const auto x = torch::tensor({{1.0, 0.0, 1.0}}, at::kDouble);
  const auto l = torch::tensor({{0.0, 0.0, std::log(3.0)}}, at::kDouble);
  EXPECT_NEAR(bernoulli_log_likelihood(x, l).item<double>(), 2 * std::log(0.5) + std::log(0.75), 1e-15);
}

TEST(BernoulliLogLikelihood, FallsBackWhenDataNeedsAGradient) {
  auto x = torch::full({2, 3}, 0.5, at::kDouble).requires_grad_(true);
  auto l = torch::zeros({2, 3}, at::kDouble);
  bernoulli_log_likelihood(x, l).sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), l));  // ∂/∂x = l
}

}  // namespace
}  // namespace elbo::amortized
