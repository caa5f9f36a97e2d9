// Ordered / positive_ordered (Stan's transforms): values by hand, round trips,
// log|det J| against central differences, support checks, biject_to.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/biject_to.hpp"
#include "elbo/bijector/ordered.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

TEST(Ordered, ValuesByHand) {
  // y = (0.5, 0, log 2): x = (0.5, 0.5 + 1, 1.5 + 2).
  auto y = torch::tensor({0.5, 0.0, std::log(2.0)}, dbl());
  EXPECT_TENSOR_NEAR(Ordered(false).forward(y), torch::tensor({0.5, 1.5, 3.5}, dbl()), 1e-15);
  EXPECT_NEAR(Ordered(false).log_abs_det_jacobian(y).item<double>(), std::log(2.0), 1e-15);
  // positive_ordered: x_1 = exp(0.5).
  const double e = std::exp(0.5);
  EXPECT_TENSOR_NEAR(Ordered(true).forward(y), torch::tensor({e, e + 1, e + 3}, dbl()), 1e-14);
  EXPECT_NEAR(Ordered(true).log_abs_det_jacobian(y).item<double>(), 0.5 + std::log(2.0), 1e-15);
}

TEST(Ordered, RoundTripsAndIsIncreasing) {
  auto y = torch::randn({5, 4, 6}, dbl()) * 2;
  for (bool positive : {false, true}) {
    Ordered b(positive);
    auto x = b.forward(y);
    ASSERT_EQ(x.sizes(), y.sizes());
    EXPECT_TRUE((x.narrow(-1, 1, 5) > x.narrow(-1, 0, 5)).all().item<bool>());
    if (positive) EXPECT_TRUE((x > 0).all().item<bool>());
    EXPECT_TENSOR_NEAR(b.inverse(x), y, 1e-10);
    EXPECT_EQ(b.log_abs_det_jacobian(y).sizes(), (at::IntArrayRef{5, 4}));
  }
}

TEST(Ordered, LogJacobianMatchesFiniteDifferences) {
  for (bool positive : {false, true}) {
    Ordered b(positive);
    for (int trial = 0; trial < 3; ++trial) {
      auto y = torch::randn({5}, dbl());
      auto jac = testing::fd_jacobian([&](const at::Tensor& v) { return b.forward(v); }, y);
      EXPECT_NEAR(b.log_abs_det_jacobian(y).item<double>(), testing::log_abs_det(jac), 1e-7)
          << (positive ? "positive_ordered" : "ordered");
    }
  }
}

TEST(Ordered, SingleElementAndSupportChecks) {
  auto y = torch::tensor({-1.3}, dbl());
  EXPECT_TENSOR_NEAR(Ordered(false).forward(y), y, 0.0);
  EXPECT_DOUBLE_EQ(Ordered(false).log_abs_det_jacobian(y).item<double>(), 0.0);
  EXPECT_THROW(Ordered(false).inverse(torch::tensor({1.0, 1.0, 2.0}, dbl())), DomainError);
  EXPECT_THROW(Ordered(false).inverse(torch::tensor({1.0, 0.5}, dbl())), DomainError);
  EXPECT_THROW(Ordered(true).inverse(torch::tensor({-1.0, 0.5}, dbl())), DomainError);
  EXPECT_NO_THROW(Ordered(false).inverse(torch::tensor({-1.0, 0.5}, dbl())));
  EXPECT_THROW(Ordered(false).unconstrained_size({}), DomainError);
  EXPECT_EQ(Ordered(false).unconstrained_size({3, 4}), 12);
}

TEST(Ordered, BijectTo) {
  auto o = biject_to(Constraint::ordered());
  auto p = biject_to(Constraint::positive_ordered());
  EXPECT_EQ(o->name(), "Ordered");
  EXPECT_EQ(p->name(), "PositiveOrdered");
  EXPECT_EQ(o->event_dim(), 1);
  EXPECT_EQ(Constraint::ordered().to_string(), "ordered");
  EXPECT_EQ(Constraint::positive_ordered().to_string(), "positive_ordered");
}

}  // namespace
}  // namespace elbo::bijector
