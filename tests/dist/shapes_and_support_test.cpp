// Batch × event shapes, broadcasting, scalar constructors, and the −inf
// convention outside the support (with finite gradients to the parameters).
#include <gtest/gtest.h>

#include <limits>

#include "double_tensor.hpp"
#include "reference.hpp"

namespace elbo::dist {
namespace {

using Shape = std::vector<int64_t>;
using test_helpers::t;
const double kNegInf = -std::numeric_limits<double>::infinity();

void expect_shapes(const Distribution& d, const Shape& batch, const Shape& event) {
  SCOPED_TRACE(d.name());
  EXPECT_EQ(d.batch_shape(), batch);
  EXPECT_EQ(d.event_shape(), event);
  Shape full{5, 2};
  full.insert(full.end(), batch.begin(), batch.end());
  Shape lp_shape = full;
  full.insert(full.end(), event.begin(), event.end());
  auto x = d.sample({5, 2}, make_generator(3));
  EXPECT_EQ(x.sizes().vec(), full);
  EXPECT_EQ(d.log_prob(x).sizes().vec(), lp_shape);
  if (d.has_rsample()) EXPECT_EQ(d.rsample({5, 2}, make_generator(3)).sizes().vec(), full);
  if (d.has_entropy()) EXPECT_EQ(d.entropy().sizes().vec(), batch);
  Shape moment_shape = batch;
  moment_shape.insert(moment_shape.end(), event.begin(), event.end());
  EXPECT_EQ(d.mean().sizes().vec(), moment_shape);
  EXPECT_EQ(d.variance().sizes().vec(), moment_shape);
}

TEST(Shapes, ScalarConstructorsGiveScalarBatch) {
  for (const auto& d : std::vector<std::shared_ptr<Distribution>>{
           std::make_shared<Normal>(0.0, 5.0), std::make_shared<LogNormal>(0, 1),
           std::make_shared<HalfNormal>(2.0), std::make_shared<Cauchy>(0.0, 1.0),
           std::make_shared<StudentT>(3.0), std::make_shared<Gamma>(2.0, 1.0),
           std::make_shared<InverseGamma>(3.0, 1.0), std::make_shared<Beta>(2.0, 2.0),
           std::make_shared<Exponential>(1.0), std::make_shared<Bernoulli>(0.0),
           std::make_shared<Binomial>(5, 0.0), std::make_shared<Poisson>(2.0)}) {
    expect_shapes(*d, {}, {});
    EXPECT_EQ(d->mean().scalar_type(), torch::kDouble) << d->name();
  }
}

TEST(Shapes, TensorParametersBroadcast) {
  expect_shapes(Normal(torch::zeros({3, 1}, torch::kDouble), torch::ones({4}, torch::kDouble)),
                {3, 4}, {});
  expect_shapes(Gamma(t({1.0, 2.0}), 3.0), {2}, {});
  expect_shapes(StudentT(3.0, torch::zeros({2, 1}, torch::kDouble), t({1.0, 2.0, 3.0})), {2, 3},
                {});
  expect_shapes(Binomial(t({3.0, 4.0}), 0.5), {2}, {});
  expect_shapes(Categorical(torch::zeros({2, 3, 4}, torch::kDouble)), {2, 3}, {});
  expect_shapes(Dirichlet(torch::ones({2, 3}, torch::kDouble)), {2}, {3});
  expect_shapes(MultivariateNormal(torch::zeros({2, 1, 3}, torch::kDouble),
                                   torch::eye(3, torch::kDouble).expand({4, 3, 3})),
                {2, 4}, {3});
  expect_shapes(LowRankMultivariateNormal(torch::zeros({3}, torch::kDouble),
                                          torch::ones({2, 3, 2}, torch::kDouble),
                                          torch::ones({3}, torch::kDouble)),
                {2}, {3});
  auto base = std::make_shared<Normal>(torch::zeros({2, 3, 4}, torch::kDouble), 1.0);
  expect_shapes(Independent(base, 2), {2}, {3, 4});
  expect_shapes(Independent(base, 0), {2, 3, 4}, {});
}

TEST(Shapes, FloatParametersStayFloat) {
  Normal d(torch::zeros({2}, torch::kFloat), torch::ones({2}, torch::kFloat));
  EXPECT_EQ(d.sample({3}, make_generator(1)).scalar_type(), torch::kFloat);
  EXPECT_EQ(d.log_prob(torch::zeros({2}, torch::kFloat)).scalar_type(), torch::kFloat);
  Gamma g(torch::ones({2}, torch::kInt64), 1.0);  // integer tensors become double
  EXPECT_EQ(g.mean().scalar_type(), torch::kDouble);
}

TEST(Shapes, MultivariateLogProbBroadcastsValueOverBatch) {
  // A value of shape [D] is scored under every batch member.
  auto loc = t({0.0, 0.0, 1.0, 1.0}).reshape({2, 2});
  MultivariateNormal d(loc, torch::eye(2, torch::kDouble));
  auto lp = d.log_prob(t({0.0, 0.0}));
  ASSERT_EQ(lp.sizes(), (at::IntArrayRef{2}));
  const double log2pi = std::log(2 * M_PI);
  EXPECT_NEAR(lp[0].item<double>(), -log2pi, 1e-12);
  EXPECT_NEAR(lp[1].item<double>(), -log2pi - 1.0, 1e-12);
}

TEST(Shapes, LowRankAgreesWithDenseMultivariateNormal) {
  auto w = t({1.0, 0.5, -1.0, 0.0, 0.3, 2.0, 0.1, 0.1}).reshape({4, 2});
  auto diag = t({0.5, 1.0, 0.1, 2.0});
  auto loc = t({0.0, 1.0, 2.0, 3.0});
  LowRankMultivariateNormal low(loc, w, diag);
  auto dense = MultivariateNormal::from_covariance(loc, low.covariance_matrix());
  auto x = dense.sample({7, 3}, make_generator(2));
  EXPECT_TRUE(testing::all_close(low.log_prob(x), dense.log_prob(x), 1e-10, 1e-12));
  EXPECT_TRUE(testing::all_close(low.entropy(), dense.entropy(), 1e-12, 1e-12));
  EXPECT_TRUE(testing::all_close(low.variance(), dense.variance(), 1e-12, 1e-12));
}

TEST(Support, OutsideValuesGiveMinusInfinityAndFiniteGradients) {
  struct Case {
    std::string label;
    std::function<std::shared_ptr<Distribution>(const at::Tensor&)> build;
    double param;
    at::Tensor bad;   // values outside the support
    at::Tensor good;  // inside, for the gradient check alongside
  };
  std::vector<Case> cases = {
      {"gamma", [](auto& p) { return std::make_shared<Gamma>(p, 1.0); }, 2.0, t({-1.0}),
       t({0.5})},
      {"inverse_gamma", [](auto& p) { return std::make_shared<InverseGamma>(p, 1.0); }, 2.0,
       t({-1.0, 0.0}), t({0.5})},
      {"log_normal", [](auto& p) { return std::make_shared<LogNormal>(p, 1.0); }, 0.0,
       t({-1.0, 0.0}), t({0.5})},
      {"half_normal", [](auto& p) { return std::make_shared<HalfNormal>(p); }, 1.0, t({-0.1}),
       t({0.5})},
      {"exponential", [](auto& p) { return std::make_shared<Exponential>(p); }, 1.0, t({-0.1}),
       t({0.5})},
      {"beta", [](auto& p) { return std::make_shared<Beta>(p, 2.0); }, 2.0, t({-0.1, 1.1}),
       t({0.5})},
      {"bernoulli", [](auto& p) { return std::make_shared<Bernoulli>(p); }, 0.3,
       t({0.5, -1.0, 2.0}), t({1.0})},
      {"binomial", [](auto& p) { return std::make_shared<Binomial>(3.0, p); }, 0.3,
       t({-1.0, 4.0, 1.5}), t({2.0})},
      {"poisson", [](auto& p) { return std::make_shared<Poisson>(p); }, 2.0, t({-1.0, 0.5}),
       t({3.0})},
      {"categorical", [](auto& p) { return std::make_shared<Categorical>(p * t({1.0, 2.0})); },
       0.5, t({-1.0, 2.0, 0.5}), t({1.0})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto p = torch::tensor(c.param, torch::kDouble).requires_grad_(true);
    auto d = c.build(p);
    auto lp_bad = d->log_prob(c.bad);
    EXPECT_TRUE((lp_bad == kNegInf).all().item<bool>()) << lp_bad;
    auto lp_good = d->log_prob(c.good);
    EXPECT_TRUE(torch::isfinite(lp_good).all().item<bool>()) << lp_good;
    // Masked entries must not poison the gradient of the finite ones.
    auto g = torch::autograd::grad({lp_good.sum() + lp_bad.clamp_min(-1e300).sum()}, {p})[0];
    EXPECT_TRUE(torch::isfinite(g).all().item<bool>()) << g;
  }
}

TEST(Support, DirichletOffTheSimplex) {
  Dirichlet d(t({2.0, 3.0, 4.0}));
  auto lp = d.log_prob(t({0.2, 0.2, 0.2, 0.5, 0.6, -0.1, 0.2, 0.3, 0.5}).reshape({3, 3}));
  EXPECT_EQ(lp[0].item<double>(), kNegInf);
  EXPECT_EQ(lp[1].item<double>(), kNegInf);
  EXPECT_TRUE(std::isfinite(lp[2].item<double>()));
}

TEST(Support, CategoricalWithImpossibleClass) {
  Categorical d(t({0.0, kNegInf, 1.0}));
  EXPECT_EQ(d.log_prob(t({1.0})).item<double>(), kNegInf);
  EXPECT_TRUE(std::isfinite(d.entropy().item<double>()));
  EXPECT_NEAR(d.probs()[1].item<double>(), 0.0, 0.0);
}

TEST(Support, BernoulliWithCertainOutcome) {
  auto d = Bernoulli::from_probs(t({0.0, 1.0}));
  EXPECT_TRUE(testing::all_close(d.log_prob(t({0.0, 1.0})), t({0.0, 0.0}), 0, 0));
  EXPECT_TRUE(testing::all_close(d.log_prob(t({1.0, 0.0})), t({kNegInf, kNegInf}), 0, 0));
  EXPECT_TRUE(testing::all_close(d.entropy(), t({0.0, 0.0}), 0, 0));
}

TEST(Support, IndependentSumsOverReinterpretedDims) {
  auto loc = t({0.0, 1.0, 2.0, 3.0, 4.0, 5.0}).reshape({2, 3});
  Normal base(loc, 2.0);
  Independent d(base, 1);
  auto x = base.sample({4}, make_generator(1));
  EXPECT_TRUE(testing::all_close(d.log_prob(x), base.log_prob(x).sum(-1), 1e-14, 0));
  EXPECT_TRUE(testing::all_close(d.entropy(), base.entropy().sum(-1), 1e-14, 0));
  EXPECT_TRUE(d.has_rsample());
  EXPECT_FALSE(Independent(Poisson(t({1.0, 2.0})), 1).has_rsample());
}

}  // namespace
}  // namespace elbo::dist

namespace elbo::dist {
namespace {

TEST(Shapes, AnyArithmeticScalarIsAParameter) {
  int64_t n = 4;
  Binomial b(n, 0.0f);
  EXPECT_DOUBLE_EQ(b.mean().item<double>(), 2.0);
  Normal d(0, 2u);
  EXPECT_DOUBLE_EQ(d.variance().item<double>(), 4.0);
}

}  // namespace
}  // namespace elbo::dist
