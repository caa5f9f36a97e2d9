// LogDensity::log_prob_and_gradient: the autograd default against central
// finite differences; ModelDensity's use of a model's closed-form gradient
// (taken only when every latent is real, and equal to autograd's), its
// fallback through bijectors, and its errors on malformed closed forms.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/model/model_density.hpp"

namespace elbo::model {
namespace {

using torch::kDouble;

/// ∂ log p / ∂θ by central differences, one coordinate at a time.
at::Tensor finite_difference_gradient(const LogDensity& p, const at::Tensor& theta) {
  const double h = 1e-6;
  auto grad = torch::zeros_like(theta);
  for (int64_t d = 0; d < theta.size(1); ++d) {
    auto up = theta.clone(), down = theta.clone();
    up.select(1, d).add_(h);
    down.select(1, d).sub_(h);
    grad.select(1, d).copy_((p.log_prob(up) - p.log_prob(down)) / (2 * h));
  }
  return grad;
}

/// log p(θ) = Σ_d sin(θ_d) θ_{d+1} − ¼ Σ θ_d⁴ over R^4: no closed form given.
class Wavy : public LogDensity {
 public:
  int64_t dim() const override { return 4; }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const Subsample&) const override {
    auto s = torch::sin(theta.narrow(1, 0, 3)) * theta.narrow(1, 1, 3);
    return s.sum(1) - 0.25 * theta.pow(4).sum(1);
  }
};

/// log p(a, b) = −½ |a − m|² − ½ b² (a − 1)·(a − 1)/10 with a ∈ R^3, b ∈ R, and its
/// gradient by hand; counts the closed-form calls. With `positive_b`, b > 0.
class Quadratic : public Model {
 public:
  explicit Quadratic(bool positive_b = false) : positive_b_(positive_b) {}
  std::string name() const override { return "quadratic"; }
  std::vector<Latent> latents() const override {
    return {{"a", {3}, Constraint::real()},
            {"b", {}, positive_b_ ? Constraint::positive() : Constraint::real()}};
  }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    const auto& a = z["a"];
    const auto& b = z["b"];
    auto m = torch::tensor({1.0, -2.0, 0.5}, kDouble);
    return -0.5 * (a - m).square().sum(1) - 0.05 * b.square() * (a - 1.0).square().sum(1);
  }
  std::optional<JointAndGradient> log_joint_and_gradient(const Draws& z,
                                                         const Subsample& data) const override {
    ++calls;
    const auto& a = z["a"];
    const auto& b = z["b"];
    auto m = torch::tensor({1.0, -2.0, 0.5}, kDouble);
    auto sq = (a - 1.0).square().sum(1);
    JointAndGradient out{log_joint(z, data), {}};
    out.gradient.set("a", -(a - m) - 0.1 * b.square().unsqueeze(1) * (a - 1.0));
    out.gradient.set("b", bad_shape ? b.unsqueeze(1) : -0.1 * b * sq);
    return out;
  }
  mutable int calls = 0;
  bool bad_shape = false;

 private:
  bool positive_b_;
};

/// A closed form that leaves out a latent's gradient.
class MissingGradient : public Quadratic {
 public:
  std::optional<JointAndGradient> log_joint_and_gradient(const Draws& z,
                                                         const Subsample& data) const override {
    JointAndGradient out{log_joint(z, data), {}};
    out.gradient.set("a", z["a"]);
    return out;
  }
};

TEST(LogProbAndGradient, AutogradDefaultMatchesFiniteDifferences) {
  Wavy p;
  auto theta = torch::randn({5, 4}, kDouble);
  auto [log_p, grad] = p.log_prob_and_gradient(theta, Subsample::all(1));
  EXPECT_TRUE(torch::allclose(log_p, p.log_prob(theta), 0, 1e-14));
  EXPECT_FALSE(grad.requires_grad());
  EXPECT_LT((grad - finite_difference_gradient(p, theta)).abs().max().item<double>(), 1e-7);
}

TEST(LogProbAndGradient, ModelDensityUsesTheClosedFormAndItEqualsAutograd) {
  auto model = std::make_shared<Quadratic>();
  ModelDensity density(model);
  auto theta = torch::randn({7, 4}, kDouble);
  auto closed = density.log_prob_and_gradient(theta, Subsample::all(1));
  EXPECT_EQ(model->calls, 1);
  auto autograd = density.LogDensity::log_prob_and_gradient(theta, Subsample::all(1));
  EXPECT_EQ(model->calls, 1);
  ASSERT_EQ(closed.gradient.sizes(), (std::vector<int64_t>{7, 4}));
  EXPECT_LT((closed.log_p - autograd.log_p).abs().max().item<double>(), 1e-13);
  EXPECT_LT((closed.gradient - autograd.gradient).abs().max().item<double>(), 1e-12);
  EXPECT_LT((closed.gradient - finite_difference_gradient(density, theta)).abs().max().item<double>(),
            1e-7);
}

TEST(LogProbAndGradient, ConstrainedLatentsFallBackToAutogradWithTheJacobian) {
  auto model = std::make_shared<Quadratic>(/*positive_b=*/true);
  ModelDensity density(model);
  auto theta = torch::randn({6, 4}, kDouble);
  auto [log_p, grad] = density.log_prob_and_gradient(theta, Subsample::all(1));
  EXPECT_EQ(model->calls, 0);  // b = e^θ₃: the closed form in b is not used
  EXPECT_TRUE(torch::allclose(log_p, density.log_prob(theta), 0, 1e-14));
  EXPECT_LT((grad - finite_difference_gradient(density, theta)).abs().max().item<double>(), 1e-7);
}

TEST(LogProbAndGradient, MalformedClosedFormsAreConfigErrors) {
  auto theta = torch::randn({3, 4}, kDouble);
  auto model = std::make_shared<Quadratic>();
  model->bad_shape = true;
  try {
    ModelDensity(model).log_prob_and_gradient(theta, Subsample::all(1));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model 'quadratic': log_joint_and_gradient returned a "
                                         "gradient for 'b' of shape [3, 1]; expected [3]"),
              std::string::npos)
        << e.what();
  }
  try {
    ModelDensity(std::make_shared<MissingGradient>()).log_prob_and_gradient(theta, Subsample::all(1));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("returned no gradient for 'b'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ModelDensity(std::make_shared<Quadratic>())
                   .log_prob_and_gradient(torch::randn({3, 5}, kDouble), Subsample::all(1)),
               DomainError);
}

}  // namespace
}  // namespace elbo::model
