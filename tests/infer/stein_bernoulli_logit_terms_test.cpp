// model::bernoulli_logit_terms (the fused Bernoulli-logit log likelihood and
// score meant to speed up the logistic-regression gradient SVGD spends most of
// its step in) against ATen's softplus and sigmoid, and closed forms:
// softplus(0) = log 2, softplus(η) = η + log1p(e^−η) far out, σ(0) = ½.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/random.hpp"
#include "elbo/model/bernoulli_logit_terms.hpp"

namespace elbo::model {
namespace {

using torch::kDouble;

TEST(SteinBernoulliLogitTerms, MatchesSoftplusAndSigmoid) {
  auto gen = make_generator(21);
  // S = 569 (the breast-cancer rows): not a multiple of the vector width.
  for (int64_t S : {1, 7, 16, 569}) {
    const int64_t K = 13;
    auto eta = 6.0 * torch::randn({K, S}, gen, kDouble);
    auto y = (torch::rand({S}, gen, kDouble) > 0.5).to(torch::kDouble);
    auto ll_ref = eta.mv(y) - at::softplus(eta, 1.0, 40.0).sum(1);
    auto r_ref = (y - 1.0) + torch::sigmoid(-eta);
    auto r = eta.clone();
    auto ll = torch::empty({K}, kDouble);
    bernoulli_logit_terms(r.data_ptr<double>(), y.data_ptr<double>(), K, S, ll.data_ptr<double>(),
                          /*score=*/true);
    // ℓ is a sum with cancellation: relative to Σ_s (|y η| + softplus(η)).
    auto size = (eta * y).abs().sum(1) + at::softplus(eta, 1.0, 40.0).sum(1);
    EXPECT_LT(((ll - ll_ref).abs() / size).max().item<double>(), 1e-15) << S;
    EXPECT_LT((r - r_ref).abs().max().item<double>(), 1e-15) << S;
    // score = false leaves η alone.
    auto same = eta.clone();
    bernoulli_logit_terms(same.data_ptr<double>(), y.data_ptr<double>(), K, S,
                          ll.data_ptr<double>(), /*score=*/false);
    EXPECT_TRUE(torch::equal(same, eta));
  }
}

TEST(SteinBernoulliLogitTerms, SoftplusElementwiseToAFewUlps) {
  // One predictor per row (S = 1, y = 0): ℓ = −softplus(η), r = σ(−η) − 1.
  auto eta = torch::linspace(-60.0, 60.0, 24001, kDouble).reshape({-1, 1}).contiguous();
  const int64_t K = eta.size(0);
  auto y = torch::zeros({1}, kDouble);
  auto r = eta.clone();
  auto ll = torch::empty({K}, kDouble);
  bernoulli_logit_terms(r.data_ptr<double>(), y.data_ptr<double>(), K, 1, ll.data_ptr<double>(),
                        true);
  auto sp_ref = at::softplus(eta, 1.0, 40.0).reshape({-1});
  EXPECT_LT(((-ll - sp_ref).abs() / sp_ref).max().item<double>(), 8e-16);
  EXPECT_LT((r.reshape({-1}) - (torch::sigmoid(-eta).reshape({-1}) - 1.0)).abs().max().item<double>(),
            3e-16);
}

TEST(SteinBernoulliLogitTerms, ClosedForms) {
  auto eta = torch::tensor({{0.0, 800.0, -800.0, 30.0, -745.5, 1e-300, -1e-300, 709.5}}, kDouble);
  auto y = torch::tensor({1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0}, kDouble);
  auto r = eta.clone();
  auto ll = torch::empty({1}, kDouble);
  bernoulli_logit_terms(r.data_ptr<double>(), y.data_ptr<double>(), 1, 8, ll.data_ptr<double>(),
                        true);
  // y η − softplus(η) term by term: −log 2, −log1p(e^−800) = 0, −log1p(e^−800) = 0,
  // −(30 + log1p(e^−30)), −745.5 − log1p(e^−745.5) = −745.5, −log 2, −log 2, −709.5 − ...
  const double expected = -std::log(2.0) + 0.0 + 0.0 - (30.0 + std::log1p(std::exp(-30.0))) -
                          745.5 - std::log(2.0) - std::log(2.0) -
                          (709.5 + std::log1p(std::exp(-709.5)));
  EXPECT_NEAR(ll[0].item<double>(), expected, 1e-12);
  EXPECT_DOUBLE_EQ(r[0][0].item<double>(), 0.5);  // 1 − σ(0)
  EXPECT_EQ(r[0][1].item<double>(), 0.0);         // y = 1, σ(800) = 1
  EXPECT_EQ(r[0][2].item<double>(), 0.0);         // y = 0, σ(−800) = 0
  EXPECT_NEAR(r[0][3].item<double>(), -1.0 / (1.0 + std::exp(-30.0)), 2.3e-16);  // 1 ulp of 1
  EXPECT_NEAR(r[0][4].item<double>(), 1.0, 1e-16);  // y = 1, σ(−745.5) = 0
}

}  // namespace
}  // namespace elbo::model
