// Declared log-joint terms through ModelDensity: the terms sum to log p
// (Jacobians included, one per element of an element-wise constrained latent),
// scopes map to θ columns, an undeclared model gives one column and no
// coordinates, bad scopes are ConfigErrors; binary and one-hot latents pass
// through with zero log-Jacobian.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/model/model_density.hpp"

namespace elbo::model {
namespace {

// a (real), s [2] (positive), z [2, 3] (one-hot), b (binary):
//   t0 = −½ a², t1 = −s_0 − s_1 + a s_0, t2 = Σ_{n,c} z_{n,c} (c + 1) s_n, t3 = 0.7 b a.
class Terms : public Model {
 public:
  std::vector<TermScope> none;
  std::vector<TermDependencies> scopes = {
      {{"a", {}}}, {{"a", {}}, {"s", {}}}, {{"z", {}}, {"s", {}}}, {{"b", {}}, {"a", {}}}};
  std::string name() const override { return "terms"; }
  std::vector<Latent> latents() const override {
    return {{"a", {}},
            {"s", {2}, Constraint::positive()},
            {"z", {2, 3}, Constraint::one_hot()},
            {"b", {}, Constraint::binary()}};
  }
  at::Tensor log_joint(const Draws& d, const Subsample& data) const override {
    return log_joint_terms(d, data).sum(1);
  }
  std::vector<TermDependencies> log_joint_term_scopes() const override { return scopes; }
  at::Tensor log_joint_terms(const Draws& d, const Subsample&) const override {
    auto a = d["a"], s = d["s"], z = d["z"], b = d["b"];
    auto weights = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble);
    return torch::stack({-0.5 * a.square(), -s.sum(1) + a * s.select(1, 0),
                         ((z * weights).sum(2) * s).sum(1), 0.7 * b * a},
                        1);
  }
};

at::Tensor some_theta() {
  auto gen = make_generator(1);
  auto theta = torch::randn({4, 10}, gen, torch::kDouble);
  // z rows one-hot (columns 3..8), b binary (column 9).
  theta.narrow(1, 3, 6).copy_(torch::tensor({1., 0., 0., 0., 0., 1.}, torch::kDouble));
  theta.select(1, 9).copy_(torch::tensor({0., 1., 1., 0.}, torch::kDouble));
  return theta;
}

TEST(ModelTerms, SumToTheLogDensityWithJacobians) {
  ModelDensity p(std::make_shared<Terms>());
  EXPECT_EQ(p.dim(), 10);
  auto theta = some_theta();
  auto terms = p.log_prob_terms(theta, Subsample::all(1));
  ASSERT_EQ(terms.sizes(), (std::vector<int64_t>{4, 6}));  // 4 declared + 2 Jacobians (s_0, s_1)
  EXPECT_TRUE(torch::allclose(terms.sum(1), p.log_prob(theta), 1e-12, 1e-12));
  // The Jacobian of s = exp(θ) is θ itself, one column per element.
  EXPECT_TRUE(torch::allclose(terms.narrow(1, 4, 2), theta.narrow(1, 1, 2)));
  const std::vector<std::vector<int64_t>> expected = {
      {0}, {0, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8}, {0, 9}, {1}, {2}};
  EXPECT_EQ(p.term_coordinates(), expected);
}

TEST(ModelTerms, DiscreteLatentsPassThroughWithZeroJacobian) {
  ModelDensity p(std::make_shared<Terms>());
  auto theta = some_theta();
  auto draws = p.constrain(theta);
  EXPECT_TRUE(torch::equal(draws["z"], theta.narrow(1, 3, 6).reshape({4, 2, 3})));
  EXPECT_TRUE(torch::equal(draws["b"], theta.select(1, 9)));
  // log p = log_joint + Σ log s (only the positive latent has a Jacobian).
  auto expected = std::make_shared<Terms>()->log_joint(draws, Subsample::all(1)) +
                  theta.narrow(1, 1, 2).sum(1);
  EXPECT_TRUE(torch::allclose(p.log_prob(theta), expected, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(p.unconstrain(draws), theta, 1e-12, 1e-12));
}

TEST(ModelTerms, UndeclaredModelsGiveOneColumn) {
  auto model = std::make_shared<Terms>();
  model->scopes.clear();
  ModelDensity p(model);
  auto theta = some_theta();
  EXPECT_TRUE(p.term_coordinates().empty());
  auto terms = p.log_prob_terms(theta, Subsample::all(1));
  ASSERT_EQ(terms.size(1), 1);
  EXPECT_TRUE(torch::allclose(terms.squeeze(1), p.log_prob(theta)));
}

TEST(ModelTerms, BadScopesAreConfigErrors) {
  auto unknown = std::make_shared<Terms>();
  unknown->scopes = {{{"nope", {}}}};
  EXPECT_THROW(ModelDensity{unknown}, ConfigError);
  auto out_of_range = std::make_shared<Terms>();
  out_of_range->scopes = {{{"s", {2}}}};
  EXPECT_THROW(ModelDensity{out_of_range}, ConfigError);
  // A model whose terms have the wrong width.
  auto wrong = std::make_shared<Terms>();
  wrong->scopes = {{{"a", {}}}};  // 1 declared, 4 returned
  ModelDensity p(wrong);
  EXPECT_THROW(p.log_prob_terms(some_theta(), Subsample::all(1)), ConfigError);
}

}  // namespace
}  // namespace elbo::model
