// ModelDensity's checks on a model and its tolerance of throwing draws:
// draws whose log_joint throws (DomainError, NumericalError, c10::Error) are
// dropped as −inf with the others' values and gradients intact; all draws
// throwing rethrows; ConfigError always propagates; a log_joint of the wrong
// shape, or whose draws interact (a scalar [K] latent broadcast against [N]
// data), is a ConfigError that says so.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/dist/normal.hpp"
#include "elbo/model/model_density.hpp"

namespace elbo::model {
namespace {

using torch::kDouble;

enum class Failure { domain, numerical, torch_error, config };

// log p(z) = −z²/2, but log_joint throws when any draw has z > 1.
class ThrowsAboveOne : public Model {
 public:
  explicit ThrowsAboveOne(Failure failure) : failure_(failure) {}
  std::string name() const override { return "throws_above_one"; }
  std::vector<Latent> latents() const override { return {{"z", {}, Constraint::real()}}; }
  at::Tensor log_joint(const Draws& draws, const Subsample&) const override {
    const auto& z = draws["z"];
    if ((z > 1).any().item<bool>()) {
      switch (failure_) {
        case Failure::domain: throw DomainError("normal: scale is inf");
        case Failure::numerical: throw NumericalError("cholesky failed");
        case Failure::torch_error:
          // A genuine LibTorch error: Cholesky of a matrix that is not positive definite.
          torch::linalg_cholesky(-torch::eye(2, kDouble));
          break;
        case Failure::config: throw ConfigError("bad option");
      }
    }
    return -0.5 * z.square();
  }

 private:
  Failure failure_;
};

TEST(ThrowingDraws, AreDroppedAsMinusInfinityWithTheOthersIntact) {
  for (auto failure : {Failure::domain, Failure::numerical, Failure::torch_error}) {
    ModelDensity density(std::make_shared<ThrowsAboveOne>(failure));
    auto theta = torch::tensor({{0.5}, {2.0}, {-1.5}, {1.2}, {0.0}}, kDouble);
    auto log_p = density.log_prob(theta);
    const double inf = std::numeric_limits<double>::infinity();
    auto expected = torch::tensor({-0.125, -inf, -1.125, -inf, 0.0}, kDouble);
    EXPECT_TRUE(torch::equal(log_p.detach(), expected)) << log_p;

    auto [lp, gradient] = density.log_prob_and_gradient(theta, density.all_data());
    EXPECT_TRUE(torch::equal(lp, expected));
    // ∇ = −z for the draws kept; finite (zero) for the dropped ones.
    EXPECT_TRUE(torch::isfinite(gradient).all().item<bool>()) << gradient;
    for (int64_t k : {0, 2, 4}) {
      EXPECT_DOUBLE_EQ(gradient[k][0].item<double>(), -theta[k][0].item<double>());
    }

    // A reparameterised objective's pattern: drop the non-finite draws, backpropagate.
    auto x = theta.clone().requires_grad_(true);
    auto values = density.log_prob(x);
    auto kept = torch::isfinite(values);
    values.masked_select(kept).sum().backward();
    EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
    EXPECT_DOUBLE_EQ(x.grad()[2][0].item<double>(), 1.5);
  }
}

TEST(ThrowingDraws, EveryDrawThrowingRethrowsTheError) {
  ModelDensity density(std::make_shared<ThrowsAboveOne>(Failure::domain));
  EXPECT_THROW(density.log_prob(torch::tensor({{2.0}, {3.0}}, kDouble)), DomainError);
  EXPECT_THROW(density.log_prob(torch::tensor({{2.0}}, kDouble)), DomainError);
  ModelDensity torch_failure(std::make_shared<ThrowsAboveOne>(Failure::torch_error));
  EXPECT_THROW(torch_failure.log_prob(torch::tensor({{2.0}, {3.0}}, kDouble)), c10::Error);
  // No draw beyond 1: the fast path, unchanged.
  EXPECT_TRUE(torch::allclose(density.log_prob(torch::tensor({{0.0}, {1.0}}, kDouble)),
                              torch::tensor({0.0, -0.5}, kDouble)));
}

TEST(ThrowingDraws, ConfigErrorsPropagate) {
  ModelDensity density(std::make_shared<ThrowsAboveOne>(Failure::config));
  EXPECT_THROW(density.log_prob(torch::tensor({{0.5}, {2.0}}, kDouble)), ConfigError);
}

// σ = exp(θ): beyond θ ≈ 710 the normal's scale is inf and its constructor throws.
class NormalWithLogScale : public Model {
 public:
  std::string name() const override { return "normal_scale"; }
  std::vector<Latent> latents() const override { return {{"sigma", {}, Constraint::positive()}}; }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    auto y = torch::tensor({0.3, -1.0, 2.0}, kDouble);
    return dist::Normal(0.0, z.column("sigma")).log_prob(y).sum(-1) - z["sigma"];
  }
};

TEST(ThrowingDraws, AnInfiniteScaleFromTheDistributionIsDropped) {
  ModelDensity density(std::make_shared<NormalWithLogScale>());
  auto theta = torch::tensor({{0.0}, {800.0}, {0.5}}, kDouble);
  auto log_p = density.log_prob(theta);
  EXPECT_TRUE(std::isfinite(log_p[0].item<double>()));
  EXPECT_EQ(log_p[1].item<double>(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isfinite(log_p[2].item<double>()));
}

// log_joint returning `shape` for a batch of K draws.
class WrongShape : public Model {
 public:
  explicit WrongShape(int which) : which_(which) {}
  std::string name() const override { return "wrong_shape"; }
  std::vector<Latent> latents() const override { return {{"mu", {}, Constraint::real()}}; }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    auto x = torch::linspace(-1, 1, 1000, kDouble);
    auto mu = z["mu"];
    switch (which_) {
      case 0: return -(mu.unsqueeze(1) - x).square().repeat({1, 3}).view({-1, 1000, 3})[0];  // [1000, 3]
      case 1: return -(mu.unsqueeze(1) - x).square().sum();  // []
      default: return -(mu.unsqueeze(1) - x).square().sum(0);  // [N]
    }
  }

 private:
  int which_;
};

std::string config_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

TEST(ModelChecks, AWrongShapeIsNamed) {
  auto theta = torch::randn({8, 1}, kDouble);
  auto message = config_message([&] { ModelDensity(std::make_shared<WrongShape>(0)).log_prob(theta); });
  EXPECT_NE(message.find("model 'wrong_shape': log_joint returned a tensor of shape [1000, 3]; "
                         "expected [K] = [8] (one log density per draw"),
            std::string::npos)
      << message;
  message = config_message([&] { ModelDensity(std::make_shared<WrongShape>(1)).log_prob(theta); });
  EXPECT_NE(message.find("shape []; expected [K] = [8]"), std::string::npos) << message;
  message = config_message([&] { ModelDensity(std::make_shared<WrongShape>(2)).log_prob(theta); });
  EXPECT_NE(message.find("shape [1000]; expected [K] = [8]"), std::string::npos) << message;
  // Also through the gradient and the terms.
  EXPECT_THROW(ModelDensity(std::make_shared<WrongShape>(1)).log_prob_and_gradient(theta, Subsample::all(1)),
               ConfigError);
}

// y_n ~ N(mu, 1), n = 1..N, written with or without the column.
class Likelihood : public Model {
 public:
  Likelihood(int64_t n, bool forget_column) : forget_(forget_column) {
    y_ = torch::linspace(-2, 3, n, kDouble);
  }
  std::string name() const override { return "likelihood"; }
  std::vector<Latent> latents() const override {
    return {{"mu", {}, Constraint::real()}, {"sigma", {}, Constraint::positive()}};
  }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    if (forget_) {
      // Silently wrong when K == N: draw k meets data point k only... and the
      // sum over dim 0 mixes draws.
      return dist::Normal(z["mu"], z["sigma"]).log_prob(y_) - z["sigma"];
    }
    return dist::Normal(z.column("mu"), z.column("sigma")).log_prob(y_).sum(-1) - z["sigma"];
  }

 private:
  at::Tensor y_;
  bool forget_;
};

TEST(ModelChecks, DrawsThatInteractAreCaughtOnTheFirstBatch) {
  // K == N: the forgotten unsqueeze gives a [K] result, row k pairing draw k
  // with data point k — the right shape, the wrong values.
  ModelDensity wrong(std::make_shared<Likelihood>(6, true));
  auto theta = torch::randn({6, 2}, kDouble);
  auto message = config_message([&] { wrong.log_prob(theta); });
  EXPECT_NE(message.find("so the draws interact"), std::string::npos) << message;
  EXPECT_NE(message.find("z.column(name), i.e. z[name].unsqueeze(1)"), std::string::npos) << message;
  // K != N: LibTorch cannot broadcast; the batch fails but every draw alone
  // gives a wrong-shaped [N] result, named as such.
  ModelDensity wrong2(std::make_shared<Likelihood>(6, true));
  message = config_message([&] { wrong2.log_prob(torch::randn({4, 2}, kDouble)); });
  EXPECT_NE(message.find("log_joint returned a tensor of shape [6]; expected [K] = [1]"),
            std::string::npos)
      << message;
  // Written right: no error, and row k is draw k's own log density.
  ModelDensity right(std::make_shared<Likelihood>(6, false));
  auto log_p = right.log_prob(theta);
  for (int64_t k = 0; k < 6; ++k) {
    EXPECT_NEAR(log_p[k].item<double>(), right.log_prob(theta.narrow(0, k, 1))[0].item<double>(),
                1e-12);
  }
  // The check runs on the first batch; a K = 1 evaluation does not use it up.
  ModelDensity wrong3(std::make_shared<Likelihood>(6, true));
  EXPECT_THROW(wrong3.log_prob(torch::randn({1, 2}, kDouble)), ConfigError);  // [6] for K = 1
}

TEST(Draws, ColumnIsAScalarLatentAsKByOne) {
  Draws z;
  z.set("mu", torch::tensor({1.0, 2.0, 3.0}, kDouble));
  z.set("beta", torch::zeros({3, 2}, kDouble));
  EXPECT_EQ(z.column("mu").sizes(), (at::IntArrayRef{3, 1}));
  EXPECT_TRUE(torch::equal((z.column("mu") + torch::zeros({5}, kDouble)).select(1, 4), z["mu"]));
  EXPECT_THROW(z.column("beta"), DomainError);
  EXPECT_THROW(z.column("nope"), DomainError);
}

}  // namespace
}  // namespace elbo::model

namespace elbo::model {
namespace {

// Throws for any batch of more than one draw, never for one draw alone.
class BatchOnlyFailure : public Model {
 public:
  std::string name() const override { return "batch_only"; }
  std::vector<Latent> latents() const override { return {{"z", {}, Constraint::real()}}; }
  at::Tensor log_joint(const Draws& z, const Subsample&) const override {
    if (z.num_draws() > 1) throw DomainError("size mismatch");
    return -0.5 * z["z"].square();
  }
};

TEST(ModelChecks, AFailureOfTheBatchButOfNoDrawIsAConfigError) {
  ModelDensity density(std::make_shared<BatchOnlyFailure>());
  auto message = config_message([&] { density.log_prob(torch::zeros({3, 1}, kDouble)); });
  EXPECT_NE(message.find("threw on a batch of 3 draws but on none of them alone"), std::string::npos)
      << message;
  EXPECT_NE(message.find("size mismatch"), std::string::npos) << message;
}

}  // namespace
}  // namespace elbo::model

namespace elbo::model {
namespace {

// ThrowsAboveOne with its log joint declared as one term reading z.
class ThrowingTerms : public ThrowsAboveOne {
 public:
  ThrowingTerms() : ThrowsAboveOne(Failure::domain) {}
  std::vector<TermDependencies> log_joint_term_scopes() const override { return {{{"z", {}}}}; }
};

TEST(ThrowingDraws, AreDroppedFromTheTermsToo) {
  ModelDensity density(std::make_shared<ThrowingTerms>());
  auto terms = density.log_prob_terms(torch::tensor({{0.5}, {2.0}}, kDouble), density.all_data());
  ASSERT_EQ(terms.sizes(), (at::IntArrayRef{2, 1}));
  EXPECT_DOUBLE_EQ(terms[0][0].item<double>(), -0.125);
  EXPECT_EQ(terms[1][0].item<double>(), -std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace elbo::model
