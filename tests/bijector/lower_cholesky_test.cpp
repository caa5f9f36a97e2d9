// LowerCholesky: Stan's ordering, round trips, log|det J| onto the D(D+1)/2
// triangle entries against central differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/lower_cholesky.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

// The D(D+1)/2 lower-triangle entries of the last two dims, row by row.
at::Tensor tril_entries(const at::Tensor& m) {
  const int64_t d = m.size(-1);
  auto rc = torch::tril_indices(d, d, 0);
  return m.index({torch::indexing::Ellipsis, rc[0], rc[1]});
}

TEST(LowerCholesky, StanOrdering) {
  // Stan's cholesky_factor_constrain fills row by row, exp on the diagonal.
  LowerCholesky lc;
  auto y = torch::tensor({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, dbl());
  auto e = [](double v) { return std::exp(v); };
  auto expected = torch::tensor({{e(0.1), 0.0, 0.0}, {0.2, e(0.3), 0.0}, {0.4, 0.5, e(0.6)}}, dbl());
  EXPECT_TENSOR_NEAR(lc.forward(y), expected, 1e-15);
  EXPECT_NEAR(lc.log_abs_det_jacobian(y).item<double>(), 0.1 + 0.3 + 0.6, 1e-15);
}

TEST(LowerCholesky, RoundTripsBatched) {
  LowerCholesky lc;
  auto gen = make_generator(21);
  for (int64_t d : {1, 2, 4}) {
    SCOPED_TRACE(d);
    const int64_t n = d * (d + 1) / 2;
    auto y = torch::randn({3, 2, n}, gen, dbl());
    auto x = lc.forward(y);
    ASSERT_EQ(x.sizes(), (std::vector<int64_t>{3, 2, d, d}));
    EXPECT_TENSOR_NEAR(torch::triu(x, 1), torch::zeros_like(x), 0);
    EXPECT_TRUE((x.diagonal(0, -2, -1) > 0).all().item<bool>());
    EXPECT_TENSOR_NEAR(lc.inverse(x), y, 1e-14);
    EXPECT_TENSOR_NEAR(lc.forward(lc.inverse(x)), x, 1e-14);
    EXPECT_EQ(lc.log_abs_det_jacobian(y).sizes(), (std::vector<int64_t>{3, 2}));
  }
}

TEST(LowerCholesky, LogAbsDetAgainstFiniteDifferences) {
  LowerCholesky lc;
  auto gen = make_generator(22);
  for (int64_t d : {2, 3, 4}) {
    SCOPED_TRACE(d);
    auto y = torch::randn({3, d * (d + 1) / 2}, gen, dbl());
    auto ladj = lc.log_abs_det_jacobian(y);
    for (int64_t b = 0; b < 3; ++b) {
      auto jac = testing::fd_jacobian(
          [&](const at::Tensor& v) { return tril_entries(lc.forward(v)); }, y[b]);
      EXPECT_NEAR(testing::log_abs_det(jac), ladj[b].item<double>(), 1e-7);
    }
  }
}

TEST(LowerCholesky, AutogradThroughForwardAndLogAbsDet) {
  LowerCholesky lc;
  auto gen = make_generator(23);
  auto y = torch::randn({6}, gen, dbl()).requires_grad_(true);
  auto f = [&](const at::Tensor& v) {
    auto l = lc.forward(v);
    return (l.matmul(l.transpose(-1, -2)).pow(2).sum() + lc.log_abs_det_jacobian(v)).reshape({1});
  };
  auto grad = torch::autograd::grad({f(y).sum()}, {y})[0];
  auto fd = testing::fd_jacobian(f, y.detach()).reshape({-1});
  EXPECT_TENSOR_NEAR(grad, fd, 1e-6);
  // A huge off-diagonal value does not poison the gradient.
  auto big = torch::tensor({0.0, 800.0, 0.0}, dbl()).requires_grad_(true);
  auto g = torch::autograd::grad({lc.forward(big).sum()}, {big})[0];
  EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
}

TEST(LowerCholesky, ShapesAndValidation) {
  LowerCholesky lc;
  EXPECT_EQ(lc.event_dim(), 1);
  EXPECT_EQ(lc.unconstrained_shape({5, 3, 3}), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(lc.unconstrained_size({4, 4}), 10);
  EXPECT_THROW(lc.unconstrained_size({2, 3}), DomainError);
  EXPECT_THROW(lc.unconstrained_size({3}), DomainError);
  EXPECT_THROW(lc.forward(torch::zeros({5}, dbl())), DomainError);
  EXPECT_THROW(lc.inverse(torch::tensor({{1.0, 0.1}, {0.2, 1.0}}, dbl())), DomainError);
  EXPECT_THROW(lc.inverse(torch::tensor({{1.0, 0.0}, {0.2, -1.0}}, dbl())), DomainError);
}

}  // namespace
}  // namespace elbo::bijector
