// Change-of-variables checks that catch a wrong Jacobian convention: a density
// on the constrained free coordinates, pulled back with log|det J|, must
// integrate to one over R^n (grid quadrature; the integrands are analytic and
// decay exponentially, so the trapezoid rule on a wide grid is very accurate).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/corr_cholesky.hpp"
#include "elbo/bijector/stick_breaking.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

// All points of a regular grid over [-half, half]^dims with spacing h, as [N, dims].
at::Tensor grid(int64_t dims, double half, double h) {
  auto axis = torch::arange(-half, half + h / 2, h, dbl());
  std::vector<at::Tensor> axes(dims, axis);
  auto mesh = torch::meshgrid(axes, "ij");
  std::vector<at::Tensor> cols;
  for (auto& m : mesh) cols.push_back(m.reshape({-1}));
  return torch::stack(cols, 1);
}

TEST(Density, DirichletThroughStickBreakingIntegratesToOne) {
  // Dirichlet(α) on (x_1, x_2) with x_3 = 1 − x_1 − x_2:
  //   p = Γ(α_0)/Π Γ(α_k) Π x_k^{α_k − 1}.
  StickBreaking sb;
  const double h = 0.1;
  auto y = grid(2, 30.0, h);
  auto x = sb.forward(y);
  auto ladj = sb.log_abs_det_jacobian(y);
  {
    // α = (1, 1, 1): density 2 on the triangle.
    double integral = (std::log(2.0) + ladj).exp().sum().item<double>() * h * h;
    EXPECT_NEAR(integral, 1.0, 1e-9);
  }
  {
    // α = (2, 3, 4): normaliser Γ(9)/(Γ(2)Γ(3)Γ(4)) = 3360; E[x_1] = 2/9, E[x_3] = 4/9.
    auto alpha = torch::tensor({2.0, 3.0, 4.0}, dbl());
    auto log_p = std::log(3360.0) + ((alpha - 1) * torch::log(x)).sum(-1);
    auto w = (log_p + ladj).exp() * h * h;
    EXPECT_NEAR(w.sum().item<double>(), 1.0, 1e-9);
    EXPECT_NEAR((w * x.select(1, 0)).sum().item<double>(), 2.0 / 9.0, 1e-9);
    EXPECT_NEAR((w * x.select(1, 2)).sum().item<double>(), 4.0 / 9.0, 1e-9);
  }
}

TEST(Density, UniformCorrelationThroughCorrCholeskyIntegratesToOne) {
  CorrCholesky cc;
  {
    // D = 2: the correlation r = x_10 is uniform on (−1, 1), density 1/2.
    const double h = 0.05;
    auto y = grid(1, 25.0, h);
    double integral = (std::log(0.5) + cc.log_abs_det_jacobian(y)).exp().sum().item<double>() * h;
    EXPECT_NEAR(integral, 1.0, 1e-9);
  }
  {
    // D = 3: the uniform density (LKJ, η = 1) over the three off-diagonal
    // correlations is 2/π², the set of 3×3 correlation matrices having volume π²/2
    // (Rousseeuw & Molenberghs 1994). Σ = L Lᵀ maps the strictly-lower entries of L to
    // the correlations with |det| = Π_{i} L_ii^{D−1−i} (0-based) = L_11 for D = 3,
    // so the density on L's free entries is (2/π²) L_11.
    const double h = 0.25;
    auto y = grid(3, 10.0, h);
    auto l = cc.forward(y);
    auto log_p = std::log(2.0 / (M_PI * M_PI)) + torch::log(l.select(-1, 1).select(-1, 1));
    double integral = (log_p + cc.log_abs_det_jacobian(y)).exp().sum().item<double>() * h * h * h;
    EXPECT_NEAR(integral, 1.0, 1e-6);
  }
}

}  // namespace
}  // namespace elbo::bijector
