// Element-wise bijectors: round trips, log|dx/dy| against central differences
// and autograd, support, numerical behaviour at large |y|, closed-form values.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <memory>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/affine.hpp"
#include "elbo/bijector/exp.hpp"
#include "elbo/bijector/identity.hpp"
#include "elbo/bijector/lower_bound.hpp"
#include "elbo/bijector/sigmoid.hpp"
#include "elbo/bijector/softplus.hpp"
#include "elbo/bijector/upper_bound.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

struct Case {
  std::string label;
  BijectorPtr bijector;
  std::function<bool(const at::Tensor&)> in_support;  // all elements of x
};

std::vector<Case> cases() {
  auto scale = torch::tensor({2.0, -0.5, 3.0}, dbl());
  auto loc = torch::tensor({1.0, 0.0, -4.0}, dbl());
  return {
      {"identity", std::make_shared<Identity>(), [](const at::Tensor& x) { return true; }},
      {"exp", std::make_shared<Exp>(),
       [](const at::Tensor& x) { return (x > 0).all().item<bool>(); }},
      {"softplus", std::make_shared<Softplus>(),
       [](const at::Tensor& x) { return (x > 0).all().item<bool>(); }},
      {"sigmoid", std::make_shared<Sigmoid>(),
       [](const at::Tensor& x) { return ((x > 0) & (x < 1)).all().item<bool>(); }},
      {"sigmoid(-2,5)", std::make_shared<Sigmoid>(-2.0, 5.0),
       [](const at::Tensor& x) { return ((x > -2) & (x < 5)).all().item<bool>(); }},
      {"lower_bound(3)", std::make_shared<LowerBound>(3.0),
       [](const at::Tensor& x) { return (x > 3).all().item<bool>(); }},
      {"upper_bound(-1)", std::make_shared<UpperBound>(-1.0),
       [](const at::Tensor& x) { return (x < -1).all().item<bool>(); }},
      {"affine", std::make_shared<Affine>(loc, scale), [](const at::Tensor& x) { return true; }},
  };
}

TEST(Elementwise, RoundTripBatched) {
  auto gen = make_generator(1);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.label);
    auto y = 2.0 * torch::randn({5, 4, 3}, gen, dbl());
    auto x = c.bijector->forward(y);
    ASSERT_EQ(x.sizes(), y.sizes());
    EXPECT_TRUE(c.in_support(x));
    EXPECT_TENSOR_NEAR(c.bijector->inverse(x), y, 1e-12);
    EXPECT_TENSOR_NEAR(c.bijector->forward(c.bijector->inverse(x)), x, 1e-12);
    EXPECT_EQ(c.bijector->event_dim(), 0);
    EXPECT_EQ(c.bijector->unconstrained_size({5, 4, 3}), 60);
  }
}

TEST(Elementwise, LogAbsDetAgainstFiniteDifferences) {
  auto gen = make_generator(2);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.label);
    auto y = 2.0 * torch::randn({6, 3}, gen, dbl());
    auto ladj = c.bijector->log_abs_det_jacobian(y);
    ASSERT_EQ(ladj.sizes(), y.sizes());
    const double h = 1e-6;
    auto slope = (c.bijector->forward(y + h) - c.bijector->forward(y - h)) / (2 * h);
    EXPECT_TENSOR_NEAR(ladj, torch::log(torch::abs(slope)), 1e-7);
    // The full Jacobian of the flattened map is diagonal with these entries.
    auto flat = y.reshape({-1});
    auto jac = testing::fd_jacobian(
        [&](const at::Tensor& v) { return c.bijector->forward(v.reshape({6, 3})).reshape({-1}); },
        flat);
    EXPECT_NEAR(testing::log_abs_det(jac), ladj.sum().item<double>(), 1e-6);
  }
}

TEST(Elementwise, AutogradDerivativeMatchesLogAbsDet) {
  auto gen = make_generator(3);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.label);
    auto y = torch::randn({4, 3}, gen, dbl()).requires_grad_(true);
    auto x = c.bijector->forward(y);
    auto grad = torch::autograd::grad({x.sum()}, {y})[0];
    EXPECT_TENSOR_NEAR(torch::log(torch::abs(grad)), c.bijector->log_abs_det_jacobian(y.detach()),
                       1e-12);
    // ladj itself is differentiable: compare with central differences.
    auto ladj = c.bijector->log_abs_det_jacobian(y);
    at::Tensor ladj_grad;
    if (ladj.requires_grad()) ladj_grad = torch::autograd::grad({ladj.sum()}, {y})[0];
    const double h = 1e-6;
    auto yd = y.detach();
    auto fd = (c.bijector->log_abs_det_jacobian(yd + h) -
               c.bijector->log_abs_det_jacobian(yd - h)) / (2 * h);
    if (ladj_grad.defined()) {
      EXPECT_TENSOR_NEAR(ladj_grad, fd, 1e-7);
    } else {
      EXPECT_LE(fd.abs().max().item<double>(), 1e-12);  // constant ladj
    }
  }
}

TEST(Elementwise, ClosedFormValues) {
  auto y = torch::tensor({-1.5, 0.0, 2.0}, dbl());
  EXPECT_TENSOR_NEAR(Softplus().forward(y),
                     torch::tensor({std::log1p(std::exp(-1.5)), std::log(2.0),
                                    std::log1p(std::exp(2.0))}, dbl()), 1e-15);
  EXPECT_TENSOR_NEAR(Sigmoid(-2, 5).forward(y),
                     torch::tensor({-2 + 7 / (1 + std::exp(1.5)), 1.5, -2 + 7 / (1 + std::exp(-2.0))},
                                   dbl()), 1e-14);
  EXPECT_TENSOR_NEAR(Sigmoid().inverse(torch::tensor({0.25}, dbl())),
                     torch::tensor({std::log(1.0 / 3.0)}, dbl()), 1e-15);
  EXPECT_TENSOR_NEAR(LowerBound(3).forward(y), 3 + torch::exp(y), 0);
  EXPECT_TENSOR_NEAR(UpperBound(-1).forward(y), -1 - torch::exp(y), 0);
  EXPECT_TENSOR_NEAR(Affine(1.0, -2.0).log_abs_det_jacobian(y),
                     torch::full({3}, std::log(2.0), dbl()), 1e-15);
}

TEST(Elementwise, SoftplusStableAtExtremes) {
  Softplus sp;
  auto y = torch::tensor({-700.0, -40.0, 35.0, 39.0, 41.0, 700.0}, dbl());
  auto x = sp.forward(y);
  // softplus(y) = y + log1p(e^{-y}) for y > 0 and log1p(e^{y}) for y < 0.
  std::vector<double> expected = {std::exp(-700.0), std::log1p(std::exp(-40.0)),
                                  35 + std::log1p(std::exp(-35.0)),
                                  39 + std::log1p(std::exp(-39.0)),
                                  41 + std::log1p(std::exp(-41.0)), 700.0};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(x[i].item<double>() / expected[i], 1.0, 1e-14) << "y=" << y[i].item<double>();
  }
  EXPECT_TRUE(torch::isfinite(sp.log_abs_det_jacobian(y)).all().item<bool>());
  EXPECT_NEAR(sp.log_abs_det_jacobian(y)[0].item<double>(), -700.0, 1e-12);
  // Inverse keeps relative precision for tiny and large x.
  auto xs = torch::tensor({1e-300, 1e-20, 1e-8, 50.0, 1e10}, dbl());
  // (exp(y) for y ≈ −690 carries the rounding of y: relative error up to |y|·eps ≈ 1e-13.)
  EXPECT_TENSOR_NEAR(sp.forward(sp.inverse(xs)) / xs, torch::ones({5}, dbl()), 2e-13);
  EXPECT_NEAR(sp.inverse(torch::tensor({1e-20}, dbl())).item<double>(), std::log(1e-20), 1e-12);
}

TEST(Elementwise, SigmoidStaysInsideAndIsAccurateNearBounds) {
  Sigmoid s(-2.0, 5.0);
  auto y = torch::tensor({-30.0, -10.0, 10.0, 30.0}, dbl());
  auto x = s.forward(y);
  EXPECT_TRUE(((x > -2) & (x < 5)).all().item<bool>());
  // Distance to the nearer bound is 7 σ(−|y|), kept to relative precision.
  EXPECT_NEAR((5 - x[3].item<double>()) / (7 / (1 + std::exp(30.0))), 1.0, 1e-3);
  EXPECT_NEAR((x[0].item<double>() + 2) / (7 / (1 + std::exp(30.0))), 1.0, 1e-3);
  // On the unit interval the lower tail keeps full relative precision.
  EXPECT_NEAR(Sigmoid().forward(torch::tensor({-30.0}, dbl())).item<double>() *
                  (1 + std::exp(30.0)), 1.0, 1e-14);
  EXPECT_TRUE(torch::isfinite(s.log_abs_det_jacobian(torch::tensor({-800.0, 800.0}, dbl())))
                  .all()
                  .item<bool>());
}

TEST(Elementwise, InverseRejectsValuesOutsideSupport) {
  EXPECT_THROW(Exp().inverse(torch::tensor({1.0, -1.0}, dbl())), DomainError);
  EXPECT_THROW(Softplus().inverse(torch::tensor({0.0}, dbl())), DomainError);
  EXPECT_THROW(Sigmoid().inverse(torch::tensor({1.0}, dbl())), DomainError);
  EXPECT_THROW(LowerBound(3).inverse(torch::tensor({3.0}, dbl())), DomainError);
  EXPECT_THROW(UpperBound(-1).inverse(torch::tensor({0.0}, dbl())), DomainError);
  try {
    LowerBound(3).inverse(torch::tensor({4.0, 2.5}, dbl()));
    FAIL();
  } catch (const DomainError& e) {
    EXPECT_EQ(std::string(e.what()), "LowerBound::inverse: x[1] is 2.5, but must be greater than 3");
  }
}

TEST(Elementwise, ConstructorsValidate) {
  EXPECT_THROW(Sigmoid(1.0, 1.0), DomainError);
  EXPECT_THROW(Sigmoid(0.0, INFINITY), DomainError);
  EXPECT_THROW(LowerBound(NAN), DomainError);
  EXPECT_THROW(UpperBound(-INFINITY), DomainError);
  EXPECT_THROW(Affine(0.0, 0.0), DomainError);
  EXPECT_THROW(Affine(torch::zeros({2}, dbl()), torch::tensor({1.0, 0.0}, dbl())), DomainError);
}

TEST(Elementwise, AffineBroadcastsAndPropagatesGradToParameters) {
  auto loc = torch::tensor({1.0, 2.0}, dbl()).requires_grad_(true);
  auto scale = torch::tensor({0.5, -3.0}, dbl()).requires_grad_(true);
  Affine a(loc, scale);
  auto y = torch::ones({4, 2}, dbl());
  auto ladj = a.log_abs_det_jacobian(y);
  EXPECT_EQ(ladj.sizes(), y.sizes());
  auto g = torch::autograd::grad({ladj.sum()}, {scale})[0];
  // d/ds Σ log|s| over 4 rows = 4 / s.
  EXPECT_TENSOR_NEAR(g, torch::tensor({8.0, -4.0 / 3.0}, dbl()), 1e-14);
  auto gl = torch::autograd::grad({a.forward(y).sum()}, {loc})[0];
  EXPECT_TENSOR_NEAR(gl, torch::full({2}, 4.0, dbl()), 0);
}

}  // namespace
}  // namespace elbo::bijector
