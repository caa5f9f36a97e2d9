// The model in README.md's "Writing a model" section, as written there: it
// compiles against <ATen/ATen.h> (no <torch/torch.h>), passes ModelDensity's
// shape and batching checks with K == N, and its log density is the one
// written out by hand.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "elbo/dist/normal.hpp"
#include "elbo/model/mixture.hpp"
#include "elbo/model/model.hpp"
#include "elbo/model/model_density.hpp"

namespace readme {
using namespace elbo::model;
namespace dist = elbo::dist;

// --- as in README.md ---
// y_n ~ θ N(μ_1, σ) + (1 − θ) N(μ_2, σ), μ_1 < μ_2, μ ~ N(0, 5), p(σ) ∝ e^{−σ}, θ ~ U(0, 1).
class Mixture : public Model {
 public:
  explicit Mixture(at::Tensor y) : y_(std::move(y)) {}
  std::string name() const override { return "mixture"; }
  int64_t num_data() const override { return y_.size(0); }
  std::vector<Latent> latents() const override {
    return {{"mu", {2}, Constraint::ordered()},  // μ_1 < μ_2: no label switching
            {"sigma", {}, Constraint::positive()},
            Latent::bounded("theta", {}, 0.0, 1.0)};
  }
  at::Tensor log_joint(const Draws& z, const Subsample& data) const override {
    auto y = data.rows(y_).view({1, -1, 1});                                // [1, N, 1]
    auto lp = dist::Normal(z["mu"].unsqueeze(1), z.column("sigma").unsqueeze(2))
                  .log_prob(y);                                             // [K, N, 2]
    auto log_w = at::stack({z["theta"].log(), at::log1p(-z["theta"])}, 1);  // [K, 2]
    return dist::Normal(0.0, 5.0).log_prob(z["mu"]).sum(1) - z["sigma"] +
           data.scale() * log_mix(log_w, lp).sum(1);                        // [K]
  }

 private:
  at::Tensor y_;
};
// --- end ---

TEST(ReadmeModel, EvaluatesAsWrittenOut) {
  auto y = at::tensor({-1.0, -0.5, 2.0, 2.5, 3.0}, at::kDouble);
  ModelDensity density(std::make_shared<Mixture>(y));
  ASSERT_EQ(density.dim(), 4);
  auto theta = at::randn({5, 4}, at::kDouble);  // K == N
  auto lp = density.log_prob(theta);            // runs the batching check
  auto z = density.constrain(theta);
  for (int64_t k = 0; k < 5; ++k) {
    const double mu1 = z["mu"][k][0].item<double>(), mu2 = z["mu"][k][1].item<double>();
    const double s = z["sigma"][k].item<double>(), t = z["theta"][k].item<double>();
    EXPECT_LT(mu1, mu2);
    auto normal = [](double x, double m, double sd) {
      return -0.5 * std::pow((x - m) / sd, 2) - std::log(sd) - 0.5 * std::log(2 * M_PI);
    };
    double expected = normal(mu1, 0, 5) + normal(mu2, 0, 5) - s;
    for (int64_t n = 0; n < 5; ++n) {
      const double x = y[n].item<double>();
      expected += std::log(t * std::exp(normal(x, mu1, s)) + (1 - t) * std::exp(normal(x, mu2, s)));
    }
    // Jacobians: ordered (θ_2), σ = e^{θ_3}, θ = σ(θ_4).
    const double u = theta[k][3].item<double>(), p = 1 / (1 + std::exp(-u));
    expected += theta[k][1].item<double>() + theta[k][2].item<double>() + std::log(p * (1 - p));
    EXPECT_NEAR(lp[k].item<double>(), expected, 1e-9 * (1 + std::abs(expected)));
  }
}

}  // namespace readme
