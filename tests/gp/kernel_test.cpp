// Kernel values against hand formulas, and every kernel's reverse-mode gradients
// (hyperparameters, first-argument inputs, diagonal) against central differences.
#include <gtest/gtest.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "gp_test_support.hpp"

namespace elbo::gp {
namespace {

using testing::numeric_gradient;

TEST(GpKernel, ValuesMatchTheirFormulas) {
  Matrix a(1, 2), b(1, 2);
  a << 0.3, -1.0;
  b << 1.1, 0.5;
  const double d2 = (a - b).squaredNorm(), r = std::sqrt(d2);
  EXPECT_NEAR(make_kernel("rbf", 2)->cross(a, b)(0, 0), std::exp(-0.5 * d2), 1e-14);
  EXPECT_NEAR(make_kernel("matern12", 2)->cross(a, b)(0, 0), std::exp(-r), 1e-14);
  EXPECT_NEAR(make_kernel("matern32", 2)->cross(a, b)(0, 0), (1 + std::sqrt(3.0) * r) * std::exp(-std::sqrt(3.0) * r),
              1e-14);
  EXPECT_NEAR(make_kernel("matern52", 2)->cross(a, b)(0, 0),
              (1 + std::sqrt(5.0) * r + 5 * d2 / 3) * std::exp(-std::sqrt(5.0) * r), 1e-14);
  EXPECT_NEAR(make_kernel("linear", 2)->cross(a, b)(0, 0), a.row(0).dot(b.row(0)), 1e-14);
  EXPECT_NEAR(make_kernel("periodic", 2)->cross(a, b)(0, 0), std::exp(-2 * std::pow(std::sin(M_PI * r), 2)), 1e-14);
  EXPECT_NEAR(make_kernel("rbf+linear", 2)->cross(a, b)(0, 0), std::exp(-0.5 * d2) + a.row(0).dot(b.row(0)), 1e-14);
  EXPECT_THROW(make_kernel("rbf+cubic", 2), ConfigError);
}

class GpKernelGradient : public ::testing::TestWithParam<const char*> {};

TEST_P(GpKernelGradient, MatchesFiniteDifferences) {
  Matrix A, B;
  Vector unused;
  testing::synthetic_regression(5, 3, 11, A, unused);
  testing::synthetic_regression(4, 3, 12, B, unused);
  auto k = make_kernel(GetParam(), 3, 0.9);
  Vector theta = k->all_params();
  for (Eigen::Index i = 0; i < theta.size(); ++i) theta[i] += 0.1 * static_cast<double>(i % 3) - 0.1;
  k->set_all_params(theta);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> n01;
  Matrix G(5, 4);
  for (Eigen::Index i = 0; i < G.size(); ++i) G.data()[i] = n01(rng);
  Vector g(5);
  for (Eigen::Index i = 0; i < 5; ++i) g[i] = n01(rng);

  Vector grad = Vector::Zero(theta.size());
  Matrix dA = Matrix::Zero(5, 3);
  k->backprop(A, B, G, grad.data(), &dA);
  auto kk = k->clone();
  const Vector num = numeric_gradient(
      [&](const Vector& t) {
        kk->set_all_params(t);
        return (G.array() * kk->cross(A, B).array()).sum();
      },
      theta);
  for (Eigen::Index i = 0; i < theta.size(); ++i) EXPECT_NEAR(grad[i], num[i], 1e-6 * (1 + std::abs(num[i]))) << i;
  kk->set_all_params(theta);
  const Vector a_flat = Eigen::Map<const Vector>(A.data(), A.size());
  const Vector num_a = numeric_gradient(
      [&](const Vector& af) { return (G.array() * kk->cross(Eigen::Map<const Matrix>(af.data(), 5, 3), B).array()).sum(); },
      a_flat);
  for (Eigen::Index i = 0; i < A.size(); ++i) EXPECT_NEAR(dA.data()[i], num_a[i], 1e-6 * (1 + std::abs(num_a[i]))) << i;

  Vector grad_diag = Vector::Zero(theta.size());
  k->backprop_diag(A, g, grad_diag.data());
  const Vector num_diag = numeric_gradient(
      [&](const Vector& t) {
        kk->set_all_params(t);
        return g.dot(kk->diag(A));
      },
      theta);
  for (Eigen::Index i = 0; i < theta.size(); ++i) EXPECT_NEAR(grad_diag[i], num_diag[i], 1e-6 * (1 + std::abs(num_diag[i])));
  // diag agrees with the cross matrix's diagonal.
  EXPECT_LT((k->diag(A) - k->cross(A, A).diagonal()).cwiseAbs().maxCoeff(), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(AllKernels, GpKernelGradient,
                         ::testing::Values("rbf", "matern12", "matern32", "matern52", "linear", "periodic",
                                           "rbf+linear", "matern32*periodic", "rbf*linear+matern52"));

}  // namespace
}  // namespace elbo::gp
