// ModelDensity: packing of latents into θ, the change-of-variables term, the
// inverse map, CmdStan's column-major names, and errors on bad declarations.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/model/model_density.hpp"

namespace elbo::model {
namespace {

// p(σ, w, L) with σ > 0 (Exp bijector), w on the simplex, L a 2×2 Cholesky factor;
// log_joint = −σ + Σ log w + Σ L (an arbitrary smooth function of the values).
class Mixed : public Model {
 public:
  std::string name() const override { return "mixed"; }
  std::vector<Latent> latents() const override {
    return {{"sigma", {}, Constraint::positive()},
            {"w", {3}, Constraint::simplex()},
            {"L", {2, 2}, Constraint::cholesky_factor()},
            {"B", {2, 3}, Constraint::real()}};
  }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    return -z["sigma"] + z["w"].log().sum(1) + z["L"].sum({1, 2}) + z["B"].square().sum({1, 2}) * -0.5;
  }
};

TEST(ModelDensity, DimensionNamesAndColumnMajorFlattening) {
  ModelDensity density(std::make_shared<Mixed>());
  EXPECT_EQ(density.dim(), 1 + 2 + 3 + 6);
  const std::vector<std::string> expected{"sigma", "w.1", "w.2", "w.3", "L.1.1", "L.2.1", "L.1.2",
                                          "L.2.2", "B.1.1", "B.2.1", "B.1.2", "B.2.2", "B.1.3", "B.2.3"};
  EXPECT_EQ(density.constrained_names(), expected);
  auto theta = torch::randn({4, density.dim()}, torch::kDouble);
  auto flat = density.constrained_flat(theta);
  auto draws = density.constrain(theta);
  ASSERT_EQ(flat.size(1), 14);
  // B.2.1 is B[1][0]; B.1.2 is B[0][1].
  EXPECT_DOUBLE_EQ(flat[2][9].item<double>(), draws["B"][2][1][0].item<double>());
  EXPECT_DOUBLE_EQ(flat[2][10].item<double>(), draws["B"][2][0][1].item<double>());
  EXPECT_DOUBLE_EQ(flat[1][5].item<double>(), draws["L"][1][1][0].item<double>());
}

TEST(ModelDensity, AddsTheLogJacobianOfEachLatent) {
  auto model = std::make_shared<Mixed>();
  ModelDensity density(model);
  auto theta = torch::randn({3, density.dim()}, torch::kDouble);
  auto draws = density.constrain(theta);
  auto expected = model->log_joint(draws, Subsample::all(1));
  // σ = exp(θ0): log|J| = θ0. The other Jacobians come from their bijectors.
  expected = expected + theta.select(1, 0);
  for (const auto& slot : density.slots()) {
    if (slot.latent.name == "sigma" || slot.latent.name == "B") continue;
    expected = expected + slot.bijector->log_abs_det_jacobian(theta.narrow(1, slot.offset, slot.size));
  }
  EXPECT_TRUE(torch::allclose(density.log_prob(theta), expected, 1e-12, 1e-12));
}

TEST(ModelDensity, UnconstrainInvertsConstrain) {
  ModelDensity density(std::make_shared<Mixed>());
  auto theta = torch::randn({5, density.dim()}, torch::kDouble);
  EXPECT_TRUE(torch::allclose(density.unconstrain(density.constrain(theta)), theta, 1e-10, 1e-10));
}

TEST(ModelDensity, RejectsBadDeclarationsAndShapes) {
  struct Twice : Model {
    std::string name() const override { return "twice"; }
    std::vector<Latent> latents() const override { return {{"a", {}}, {"a", {2}}}; }
    at::Tensor log_joint(const Draws&, const Subsample&) const override { return {}; }
  };
  struct Empty : Model {
    std::string name() const override { return "empty"; }
    std::vector<Latent> latents() const override { return {}; }
    at::Tensor log_joint(const Draws&, const Subsample&) const override { return {}; }
  };
  EXPECT_THROW(ModelDensity(std::make_shared<Twice>()), ConfigError);
  EXPECT_THROW(ModelDensity(std::make_shared<Empty>()), ConfigError);
  ModelDensity density(std::make_shared<Mixed>());
  EXPECT_THROW(density.log_prob(torch::zeros({2, 3}, torch::kDouble)), DomainError);
  Draws draws;
  EXPECT_THROW(draws["missing"], DomainError);
}

TEST(Subsample, ScaleAndRows) {
  auto s = Subsample::of(torch::tensor({4, 1}, torch::kLong), 10);
  EXPECT_DOUBLE_EQ(s.scale(), 5.0);
  auto data = torch::arange(10, torch::kDouble);
  EXPECT_TRUE(torch::equal(s.rows(data), torch::tensor({4.0, 1.0}, torch::kDouble)));
  EXPECT_TRUE(Subsample::all(10).is_full());
  EXPECT_DOUBLE_EQ(Subsample::all(10).scale(), 1.0);
}

}  // namespace
}  // namespace elbo::model
