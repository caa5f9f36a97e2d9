// Properties of kl_divergence beyond the SciPy reference values: KL(p‖p) = 0,
// KL ≥ 0 with a Monte-Carlo cross-check, broadcasting of batch shapes,
// differentiability, and the registry's dispatch errors.
#include <gtest/gtest.h>

#include "double_tensor.hpp"
#include "reference.hpp"

namespace elbo::dist {
namespace {

using test_helpers::t;

std::vector<std::shared_ptr<Distribution>> some_distributions() {
  auto tril = t({1.0, 0.0, 0.0, 0.6, 0.5, 0.0, -1.0, 0.3, 2.0}).reshape({3, 3});
  return {
      std::make_shared<Normal>(t({0.0, 1.0}), t({1.0, 3.0})),
      std::make_shared<MultivariateNormal>(t({0.0, 1.0, 2.0}), tril),
      std::make_shared<LowRankMultivariateNormal>(
          t({0.0, 1.0, 2.0}), t({1.0, 0.5, -1.0, 0.0, 0.3, 2.0}).reshape({3, 2}),
          t({0.5, 1.0, 0.1})),
      std::make_shared<Independent>(Normal(t({0.0, 1.0}), t({1.0, 3.0})), 1),
      std::make_shared<Gamma>(t({0.5, 3.0}), t({1.0, 2.0})),
      std::make_shared<Beta>(t({0.5, 3.0}), t({1.0, 2.0})),
      std::make_shared<Dirichlet>(t({0.5, 3.0, 1.0})),
      std::make_shared<Bernoulli>(t({-1.0, 2.0})),
      std::make_shared<Categorical>(t({0.0, 1.0, -2.0})),
      std::make_shared<Exponential>(t({0.5, 3.0})),
      std::make_shared<Poisson>(t({0.5, 3.0})),
  };
}

TEST(KLDivergence, SelfDivergenceIsZero) {
  for (const auto& d : some_distributions()) {
    auto kl = kl_divergence(*d, *d);
    EXPECT_TRUE(testing::all_close(kl, torch::zeros_like(kl), 0, 1e-12)) << d->name();
  }
}

// KL(p‖q) = E_p[log p − log q] estimated from 20000 draws of p: within 5 standard errors.
TEST(KLDivergence, AgreesWithMonteCarlo) {
  auto tril_q = t({2.0, 0.0, 0.0, -0.3, 1.0, 0.0, 0.5, 0.5, 1.5}).reshape({3, 3});
  std::vector<std::pair<std::shared_ptr<Distribution>, std::shared_ptr<Distribution>>> pairs = {
      {std::make_shared<Normal>(0.0, 1.0), std::make_shared<Normal>(1.0, 2.0)},
      {std::make_shared<Gamma>(2.0, 1.0), std::make_shared<Gamma>(1.5, 0.7)},
      {std::make_shared<Dirichlet>(t({0.5, 3.0, 1.0})), std::make_shared<Dirichlet>(t({1.0, 1.0, 2.0}))},
      {std::make_shared<LowRankMultivariateNormal>(
           t({0.0, 1.0, 2.0}), t({1.0, 0.5, -1.0, 0.0, 0.3, 2.0}).reshape({3, 2}),
           t({0.5, 1.0, 0.1})),
       std::make_shared<MultivariateNormal>(t({1.0, 0.0, 2.0}), tril_q)},
      {std::make_shared<Poisson>(3.0), std::make_shared<Poisson>(5.0)},
  };
  for (const auto& [p, q] : pairs) {
    auto x = p->sample({20000}, make_generator(17));
    auto diff = p->log_prob(x) - q->log_prob(x);
    double se = diff.std().item<double>() / std::sqrt(20000.0);
    double kl = kl_divergence(*p, *q).item<double>();
    EXPECT_GT(kl, 0.0);
    EXPECT_NEAR(diff.mean().item<double>(), kl, 5 * se) << p->name() << " vs " << q->name();
  }
}

TEST(KLDivergence, BatchShapesBroadcast) {
  Normal p(torch::zeros({3, 1}, torch::kDouble), 1.0);
  Normal q(torch::zeros({4}, torch::kDouble), 2.0);
  EXPECT_EQ(kl_divergence(p, q).sizes(), (at::IntArrayRef{3, 4}));
  auto tril = torch::eye(2, torch::kDouble);
  MultivariateNormal mp(torch::zeros({3, 2}, torch::kDouble), tril);
  MultivariateNormal mq(torch::zeros({2}, torch::kDouble), 2 * tril);
  EXPECT_EQ(kl_divergence(mp, mq).sizes(), (at::IntArrayRef{3}));
}

TEST(KLDivergence, IsDifferentiable) {
  // d/dμ KL(N(μ, 1) ‖ N(0, 2²)) = μ / 4.
  auto mu = torch::tensor(0.7, torch::kDouble).requires_grad_(true);
  auto kl = kl_divergence(Normal(mu, 1.0), Normal(0.0, 2.0));
  auto g = torch::autograd::grad({kl}, {mu})[0];
  EXPECT_NEAR(g.item<double>(), 0.7 / 4, 1e-14);
}

TEST(KLDivergence, DispatchErrors) {
  EXPECT_TRUE(has_analytic_kl(Normal(0.0, 1.0), Normal(0.0, 1.0)));
  EXPECT_FALSE(has_analytic_kl(Normal(0.0, 1.0), Cauchy(0.0, 1.0)));
  EXPECT_FALSE(has_analytic_kl(Gamma(1.0, 1.0), Exponential(1.0)));
  auto base = std::make_shared<Normal>(torch::zeros({2, 2}, torch::kDouble), 1.0);
  // Different numbers of reinterpreted dims, or bases without a rule: no KL.
  EXPECT_FALSE(has_analytic_kl(Independent(base, 1), Independent(base, 2)));
  EXPECT_FALSE(has_analytic_kl(Independent(base, 1), Independent(Cauchy(t({0.0, 1.0}), 1.0), 1)));
  try {
    kl_divergence(Beta(1.0, 1.0), Normal(0.0, 1.0));
    ADD_FAILURE() << "expected DomainError";
  } catch (const DomainError& e) {
    EXPECT_STREQ(e.what(), "kl_divergence: no analytic KL divergence between beta and normal");
  }
}

}  // namespace
}  // namespace elbo::dist
