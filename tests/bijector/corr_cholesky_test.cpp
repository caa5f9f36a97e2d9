// CorrCholesky: closed forms for D = 2, 3 in Stan's order, unit-norm rows,
// round trips (also far out in the tails), log|det J| onto the D(D−1)/2
// strictly-lower entries against central differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/corr_cholesky.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

at::Tensor strict_lower_entries(const at::Tensor& m) {
  const int64_t d = m.size(-1);
  auto rc = torch::tril_indices(d, d, -1);
  return m.index({torch::indexing::Ellipsis, rc[0], rc[1]});
}

TEST(CorrCholesky, TwoByTwoClosedForm) {
  CorrCholesky cc;
  for (double y : {-2.5, 0.0, 0.8}) {
    double r = std::tanh(y);
    auto x = cc.forward(torch::tensor({y}, dbl()));
    EXPECT_TENSOR_NEAR(x, torch::tensor({{1.0, 0.0}, {r, std::sqrt(1 - r * r)}}, dbl()), 1e-15);
    EXPECT_NEAR(cc.log_abs_det_jacobian(torch::tensor({y}, dbl())).item<double>(),
                std::log(1 - r * r), 1e-14);
  }
}

TEST(CorrCholesky, ThreeByThreeByHandInStanOrder) {
  // Stan: z = tanh(y) fills (1,0), (2,0), (2,1);
  // x_21 = z_21 sqrt(1 − x_20²), lp += Σ log(1 − z²) + ½ log(1 − x_20²).
  const double a = 0.3, b = -0.9, c = 1.4;
  double z10 = std::tanh(a), z20 = std::tanh(b), z21 = std::tanh(c);
  double x21 = z21 * std::sqrt(1 - z20 * z20);
  auto expected = torch::tensor({{1.0, 0.0, 0.0},
                                 {z10, std::sqrt(1 - z10 * z10), 0.0},
                                 {z20, x21, std::sqrt(1 - z20 * z20 - x21 * x21)}},
                                dbl());
  CorrCholesky cc;
  auto y = torch::tensor({a, b, c}, dbl());
  EXPECT_TENSOR_NEAR(cc.forward(y), expected, 1e-15);
  double lp = std::log(1 - z10 * z10) + std::log(1 - z20 * z20) + std::log(1 - z21 * z21) +
              0.5 * std::log(1 - z20 * z20);
  EXPECT_NEAR(cc.log_abs_det_jacobian(y).item<double>(), lp, 1e-14);
}

TEST(CorrCholesky, OutputIsACorrelationFactorAndRoundTrips) {
  CorrCholesky cc;
  auto gen = make_generator(31);
  for (int64_t d : {1, 2, 3, 5}) {
    SCOPED_TRACE(d);
    auto y = 1.5 * torch::randn({4, 2, d * (d - 1) / 2}, gen, dbl());
    auto x = cc.forward(y);
    ASSERT_EQ(x.sizes(), (std::vector<int64_t>{4, 2, d, d}));
    EXPECT_TENSOR_NEAR(torch::triu(x, 1), torch::zeros_like(x), 0);
    EXPECT_TRUE((x.diagonal(0, -2, -1) > 0).all().item<bool>());
    EXPECT_TENSOR_NEAR(x.pow(2).sum(-1), torch::ones({4, 2, d}, dbl()), 1e-14);
    auto corr = x.matmul(x.transpose(-1, -2));
    EXPECT_TENSOR_NEAR(corr.diagonal(0, -2, -1), torch::ones({4, 2, d}, dbl()), 1e-14);
    EXPECT_TENSOR_NEAR(cc.inverse(x), y, 1e-12);
    EXPECT_TENSOR_NEAR(cc.forward(cc.inverse(x)), x, 1e-14);
    EXPECT_EQ(cc.log_abs_det_jacobian(y).sizes(), (std::vector<int64_t>{4, 2}));
  }
}

TEST(CorrCholesky, InverseAccurateInTheTails) {
  // |y| up to 12: tanh(y) is within 1e-10 of ±1, where atanh(z) would lose digits.
  CorrCholesky cc;
  auto y = torch::tensor({{12.0, -11.0, 9.0, -0.5, 3.0, -8.0}}, dbl());
  auto back = cc.inverse(cc.forward(y));
  EXPECT_LE((back - y).abs().max().item<double>(), 1e-6);
  // A well-separated point is recovered to near machine precision.
  auto y2 = torch::tensor({{6.0, -5.0, 4.0}}, dbl());
  EXPECT_TENSOR_NEAR(cc.inverse(cc.forward(y2)), y2, 1e-10);
}

TEST(CorrCholesky, LogAbsDetAgainstFiniteDifferences) {
  CorrCholesky cc;
  auto gen = make_generator(32);
  for (int64_t d : {2, 3, 4, 5}) {
    SCOPED_TRACE(d);
    auto y = torch::randn({3, d * (d - 1) / 2}, gen, dbl());
    auto ladj = cc.log_abs_det_jacobian(y);
    for (int64_t b = 0; b < 3; ++b) {
      auto jac = testing::fd_jacobian(
          [&](const at::Tensor& v) { return strict_lower_entries(cc.forward(v)); }, y[b]);
      EXPECT_NEAR(testing::log_abs_det(jac), ladj[b].item<double>(), 1e-7);
    }
  }
}

TEST(CorrCholesky, GradientsAgainstFiniteDifferencesAndFiniteInTails) {
  CorrCholesky cc;
  auto gen = make_generator(33);
  auto y = torch::randn({6}, gen, dbl()).requires_grad_(true);
  auto f = [&](const at::Tensor& v) {
    auto l = cc.forward(v);
    auto w = torch::arange(16, dbl()).reshape({4, 4});
    return ((l * w).sum() + cc.log_abs_det_jacobian(v)).reshape({1});
  };
  auto grad = torch::autograd::grad({f(y).sum()}, {y})[0];
  EXPECT_TENSOR_NEAR(grad, testing::fd_jacobian(f, y.detach()).reshape({-1}), 1e-7);
  auto far = torch::tensor({30.0, -400.0, 25.0}, dbl()).requires_grad_(true);
  auto g = torch::autograd::grad({cc.forward(far).sum() + cc.log_abs_det_jacobian(far)}, {far})[0];
  EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
  // Inverse is differentiable too: d y / d x_10 = 1/(1 − x_10²) for D = 2 at r = 0.3.
  auto r = torch::tensor(0.3, dbl()).requires_grad_(true);
  auto zero = torch::zeros({}, dbl());
  auto row0 = torch::stack({torch::ones({}, dbl()), zero});
  auto row1 = torch::stack({r, torch::sqrt(1 - r * r)});
  auto yi = cc.inverse(torch::stack({row0, row1}));
  auto gr = torch::autograd::grad({yi.sum()}, {r})[0];
  // y = atanh(x_10 / sqrt(x_10² + x_11²)) with x_11 tied to r: here the norm is 1.
  EXPECT_NEAR(gr.item<double>(), 1 / (1 - 0.09), 1e-12);
}

TEST(CorrCholesky, ShapesAndValidation) {
  CorrCholesky cc;
  EXPECT_EQ(cc.event_dim(), 1);
  EXPECT_EQ(cc.unconstrained_shape({7, 4, 4}), (std::vector<int64_t>{7, 6}));
  EXPECT_EQ(cc.unconstrained_size({1, 1}), 0);
  EXPECT_THROW(cc.unconstrained_size({3, 2}), DomainError);
  EXPECT_THROW(cc.forward(torch::zeros({2}, dbl())), DomainError);
  // Rows must have unit norm.
  EXPECT_THROW(cc.inverse(torch::tensor({{1.0, 0.0}, {0.5, 0.5}}, dbl())), DomainError);
  EXPECT_THROW(cc.inverse(torch::tensor({{1.0, 0.2}, {0.0, 1.0}}, dbl())), DomainError);
}

}  // namespace
}  // namespace elbo::bijector
