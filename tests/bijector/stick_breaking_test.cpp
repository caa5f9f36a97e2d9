// StickBreaking: uniform simplex at y = 0, closed form for K = 2, round trips,
// log|det J| onto the K−1 free coordinates against central differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/stick_breaking.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;
using torch::indexing::Slice;

TEST(StickBreaking, ZeroMapsToUniformSimplex) {
  StickBreaking sb;
  for (int64_t k : {2, 3, 7}) {
    auto x = sb.forward(torch::zeros({k - 1}, dbl()));
    EXPECT_TENSOR_NEAR(x, torch::full({k}, 1.0 / k, dbl()), 1e-15);
  }
}

TEST(StickBreaking, TwoComponentsIsTheLogisticMap) {
  // K = 2: x_1 = σ(y − log 1) and log|dx_1/dy| = log σ(y) + log σ(−y).
  StickBreaking sb;
  for (double y : {-3.0, -0.2, 0.0, 1.7}) {
    double s = 1 / (1 + std::exp(-y));
    auto x = sb.forward(torch::tensor({y}, dbl()));
    EXPECT_NEAR(x[0].item<double>(), s, 1e-15);
    EXPECT_NEAR(x[1].item<double>(), 1 - s, 1e-15);
    EXPECT_NEAR(sb.log_abs_det_jacobian(torch::tensor({y}, dbl())).item<double>(),
                std::log(s * (1 - s)), 1e-14);
  }
}

TEST(StickBreaking, ThreeComponentsByHand) {
  // K = 3, y = (a, b): z_1 = σ(a − log 2), z_2 = σ(b); x = (z_1, (1−z_1) z_2, (1−z_1)(1−z_2)).
  const double a = 0.4, b = -1.1;
  double z1 = 1 / (1 + std::exp(-(a - std::log(2.0)))), z2 = 1 / (1 + std::exp(-b));
  StickBreaking sb;
  auto y = torch::tensor({a, b}, dbl());
  EXPECT_TENSOR_NEAR(sb.forward(y),
                     torch::tensor({z1, (1 - z1) * z2, (1 - z1) * (1 - z2)}, dbl()), 1e-15);
  // dx_1/da = z_1(1−z_1); dx_2/db = (1−z_1) z_2 (1−z_2); x_1 does not depend on b.
  EXPECT_NEAR(sb.log_abs_det_jacobian(y).item<double>(),
              std::log(z1 * (1 - z1)) + std::log((1 - z1) * z2 * (1 - z2)), 1e-14);
}

TEST(StickBreaking, RoundTripsAndSimplexBatched) {
  StickBreaking sb;
  auto gen = make_generator(11);
  for (int64_t k : {2, 3, 6}) {
    SCOPED_TRACE(k);
    auto y = 2.0 * torch::randn({3, 4, k - 1}, gen, dbl());
    auto x = sb.forward(y);
    ASSERT_EQ(x.sizes(), (std::vector<int64_t>{3, 4, k}));
    EXPECT_TRUE((x > 0).all().item<bool>());
    EXPECT_TENSOR_NEAR(x.sum(-1), torch::ones({3, 4}, dbl()), 1e-14);
    EXPECT_TENSOR_NEAR(sb.inverse(x), y, 1e-12);
    // forward ∘ inverse on random simplex points (normalised exponentials).
    auto e = torch::exp(3.0 * torch::randn({5, k}, gen, dbl()));
    auto p = e / e.sum(-1, true);
    EXPECT_TENSOR_NEAR(sb.forward(sb.inverse(p)), p, 1e-14);
    EXPECT_EQ(sb.log_abs_det_jacobian(y).sizes(), (std::vector<int64_t>{3, 4}));
  }
}

TEST(StickBreaking, LogAbsDetAgainstFiniteDifferences) {
  StickBreaking sb;
  auto gen = make_generator(12);
  for (int64_t k : {2, 3, 5, 8}) {
    SCOPED_TRACE(k);
    auto y = 1.5 * torch::randn({4, k - 1}, gen, dbl());
    auto ladj = sb.log_abs_det_jacobian(y);
    for (int64_t b = 0; b < 4; ++b) {
      auto jac = testing::fd_jacobian(
          [&](const at::Tensor& v) { return sb.forward(v).narrow(-1, 0, k - 1); }, y[b]);
      EXPECT_NEAR(testing::log_abs_det(jac), ladj[b].item<double>(), 1e-7);
    }
  }
}

TEST(StickBreaking, GradientOfLogAbsDetAgainstFiniteDifferences) {
  StickBreaking sb;
  auto gen = make_generator(13);
  auto y = torch::randn({5}, gen, dbl()).requires_grad_(true);
  auto grad = torch::autograd::grad({sb.log_abs_det_jacobian(y)}, {y})[0];
  auto fd = testing::fd_jacobian(
      [&](const at::Tensor& v) { return sb.log_abs_det_jacobian(v).reshape({1}); }, y.detach());
  EXPECT_TENSOR_NEAR(grad, fd.reshape({-1}), 1e-8);
}

TEST(StickBreaking, ExtremeInputsStayFinite) {
  StickBreaking sb;
  auto y = torch::tensor({{-300.0, 300.0, 0.0}, {40.0, -40.0, 800.0}}, dbl()).requires_grad_(true);
  auto x = sb.forward(y);
  EXPECT_TRUE(torch::isfinite(x).all().item<bool>());
  EXPECT_TENSOR_NEAR(x.sum(-1).detach(), torch::ones({2}, dbl()), 1e-14);
  auto ladj = sb.log_abs_det_jacobian(y);
  EXPECT_TRUE(torch::isfinite(ladj).all().item<bool>());
  auto grad = torch::autograd::grad({ladj.sum() + x.pow(2).sum()}, {y})[0];
  EXPECT_TRUE(torch::isfinite(grad).all().item<bool>());
}

TEST(StickBreaking, ShapesAndValidation) {
  StickBreaking sb;
  EXPECT_EQ(sb.event_dim(), 1);
  EXPECT_EQ(sb.unconstrained_shape({2, 5}), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(sb.unconstrained_size({2, 5}), 8);
  EXPECT_EQ(sb.unconstrained_size({4}), 3);
  EXPECT_THROW(sb.unconstrained_size({}), DomainError);
  EXPECT_THROW(sb.unconstrained_size({0}), DomainError);
  // K = 1: no free values, x = (1).
  auto one = sb.forward(torch::zeros({3, 0}, dbl()));
  EXPECT_TENSOR_NEAR(one, torch::ones({3, 1}, dbl()), 0);
  EXPECT_TENSOR_NEAR(sb.log_abs_det_jacobian(torch::zeros({3, 0}, dbl())),
                     torch::zeros({3}, dbl()), 0);
  EXPECT_THROW(sb.inverse(torch::tensor({0.5, 0.6}, dbl())), DomainError);
  EXPECT_THROW(sb.inverse(torch::tensor({1.0, 0.0}, dbl())), DomainError);
  EXPECT_THROW(sb.forward(torch::tensor(1.0, dbl())), DomainError);
}

}  // namespace
}  // namespace elbo::bijector
