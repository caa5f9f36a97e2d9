// Latents whose bounds depend on earlier latents (Stan's
// `real<lower=0, upper=1-alpha> beta`), and ordered latents in a model:
// the joint log-Jacobian against central differences of the whole map
// θ → z, round trips, and that a uniform density on the triangle
// {α, β ≥ 0, α + β ≤ 1} integrates to its area 1/2 on the unconstrained scale
// (exact quadrature), with α's implied marginal Beta(1, 2).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/model/model_density.hpp"

namespace elbo::model {
namespace {

using torch::kDouble;

// p(α, β) = 1 on the triangle: alpha ∈ (0, 1), beta ∈ (0, 1 − alpha).
class Triangle : public Model {
 public:
  std::string name() const override { return "triangle"; }
  std::vector<Latent> latents() const override {
    return {Latent::bounded("alpha", {}, 0.0, 1.0),
            Latent::bounded("beta", {}, 0.0, [](const Draws& z) { return 1 - z["alpha"]; })};
  }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    return torch::zeros_like(z["alpha"]);
  }
};

TEST(DependentBounds, TheTriangleIntegratesToOneHalfWithBetaOneTwoMarginal) {
  ModelDensity density(std::make_shared<Triangle>());
  ASSERT_EQ(density.dim(), 2);
  // Trapezoid rule on [-40, 40]²: the integrand decays like e^{-|θ|} and is
  // analytic, so the rule is accurate far beyond 1e-8.
  const int64_t n = 1601;
  auto grid = torch::linspace(-40, 40, n, kDouble);
  const double h = 80.0 / (n - 1);
  auto mesh = torch::meshgrid({grid, grid}, "ij");
  auto theta = torch::stack({mesh[0].reshape({-1}), mesh[1].reshape({-1})}, 1);
  torch::NoGradGuard no_grad;
  auto p = density.log_prob(theta).exp();
  auto z = density.constrain(theta);
  const double mass = p.sum().item<double>() * h * h;
  EXPECT_NEAR(mass, 0.5, 1e-8);
  // α ~ Beta(1, 2): mean 1/3, E[α²] = 1/6; every draw is inside the triangle.
  EXPECT_NEAR((p * z["alpha"]).sum().item<double>() * h * h / mass, 1.0 / 3.0, 1e-8);
  EXPECT_NEAR((p * z["alpha"].square()).sum().item<double>() * h * h / mass, 1.0 / 6.0, 1e-8);
  EXPECT_TRUE((z["alpha"] + z["beta"] <= 1 + 1e-15).all().item<bool>());
}

// alpha > 0, beta ∈ (alpha, alpha + 2) per element of a vector, gamma < beta_1 · 3,
// cut points ordered, scales positive_ordered; an arbitrary smooth log joint.
class Chained : public Model {
 public:
  std::string name() const override { return "chained"; }
  std::vector<Latent> latents() const override {
    return {{"alpha", {}, Constraint::positive()},
            Latent::bounded("beta", {3}, [](const Draws& z) { return z["alpha"]; },
                            [](const Draws& z) { return z["alpha"] + 2; }),
            Latent::bounded("gamma", {}, Bound(),
                            [](const Draws& z) { return 3 * z["beta"].select(1, 0); }),
            Latent::bounded("delta", {2}, [](const Draws& z) { return z["gamma"]; }, Bound()),
            {"cuts", {3}, Constraint::ordered()},
            {"scales", {2}, Constraint::positive_ordered()}};
  }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    return -z["alpha"] + z["beta"].sin().sum(1) - 0.1 * z["gamma"].square() +
           z["delta"].cos().sum(1) - 0.5 * z["cuts"].square().sum(1) - z["scales"].sum(1);
  }
};

TEST(DependentBounds, JointLogJacobianMatchesFiniteDifferences) {
  auto model = std::make_shared<Chained>();
  ModelDensity density(model);
  ASSERT_EQ(density.dim(), 1 + 3 + 1 + 2 + 3 + 2);
  auto flat = [&](const at::Tensor& theta) { return density.constrained_flat(theta.unsqueeze(0))[0]; };
  for (int trial = 0; trial < 3; ++trial) {
    auto theta = torch::randn({density.dim()}, kDouble);
    // Jacobian of θ → constrained values (all of them unconstrained here, P = D).
    const int64_t D = density.dim();
    auto jac = torch::zeros({D, D}, kDouble);
    const double step = 1e-6;
    for (int64_t j = 0; j < D; ++j) {
      auto up = theta.clone(), down = theta.clone();
      up[j] += step;
      down[j] -= step;
      jac.select(1, j).copy_((flat(up) - flat(down)) / (2 * step));
    }
    const double fd = std::get<1>(torch::linalg_slogdet(jac)).item<double>();
    auto z = density.constrain(theta.unsqueeze(0));
    const double log_joint = model->log_joint(z, Subsample::all(1))[0].item<double>();
    const double log_jacobian = density.log_prob(theta.unsqueeze(0))[0].item<double>() - log_joint;
    EXPECT_NEAR(log_jacobian, fd, 1e-6) << "trial " << trial;
    // Bounds hold.
    EXPECT_TRUE((z["beta"] > z["alpha"].unsqueeze(1)).all().item<bool>());
    EXPECT_TRUE((z["beta"] < z["alpha"].unsqueeze(1) + 2).all().item<bool>());
    EXPECT_TRUE((z["gamma"] < 3 * z["beta"].select(1, 0)).all().item<bool>());
    EXPECT_TRUE((z["delta"] > z["gamma"].unsqueeze(1)).all().item<bool>());
  }
}

TEST(DependentBounds, RoundTripsTermsAndGradients) {
  ModelDensity density(std::make_shared<Chained>());
  auto theta = torch::randn({7, density.dim()}, kDouble);
  EXPECT_TRUE(torch::allclose(density.unconstrain(density.constrain(theta)), theta, 1e-9, 1e-9));
  // The closed-form path is not taken (bounded latents need ∇ log|J|): the
  // gradient is autograd's, finite, and matches finite differences.
  auto [lp, gradient] = density.log_prob_and_gradient(theta, density.all_data());
  EXPECT_TRUE(torch::allclose(lp, density.log_prob(theta)));
  const double step = 1e-6;
  for (int64_t j = 0; j < density.dim(); ++j) {
    auto up = theta.clone(), down = theta.clone();
    up.select(1, j) += step;
    down.select(1, j) -= step;
    auto fd = (density.log_prob(up) - density.log_prob(down)) / (2 * step);
    EXPECT_TRUE(torch::allclose(gradient.select(1, j), fd, 1e-5, 1e-5)) << "column " << j;
  }
}

TEST(DependentBounds, DeclarationErrors) {
  struct Both : Model {
    std::string name() const override { return "both"; }
    std::vector<Latent> latents() const override {
      Latent beta{"beta", {}, Constraint::positive()};
      beta.upper = 1.0;
      return {beta};
    }
    at::Tensor log_joint(const Draws& z, const Subsample&) const override { return z["beta"]; }
  };
  EXPECT_THROW(ModelDensity(std::make_shared<Both>()), ConfigError);
  // A bound of the wrong shape is named.
  struct BadBound : Model {
    std::string name() const override { return "bad_bound"; }
    std::vector<Latent> latents() const override {
      return {{"a", {}, Constraint::real()},
              Latent::bounded("b", {}, [](const Draws&) { return torch::zeros({5}, kDouble); },
                              Bound())};
    }
    at::Tensor log_joint(const Draws& z, const Subsample&) const override { return z["b"]; }
  };
  ModelDensity bad(std::make_shared<BadBound>());
  try {
    bad.log_prob(torch::zeros({3, 2}, kDouble));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("the lower bound of latent 'b' returned a tensor of shape [5]"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace elbo::model
