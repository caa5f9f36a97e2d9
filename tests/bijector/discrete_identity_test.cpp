// Binary and one-hot constraints map to the identity with zero log-Jacobian;
// inverse() rejects values off the discrete support; one-hot needs a class
// dimension.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/bijector/biject_to.hpp"
#include "elbo/bijector/discrete_identity.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {
namespace {

TEST(DiscreteIdentity, BinaryAndOneHotAreIdentitiesWithZeroJacobian) {
  for (auto c : {Constraint::binary(), Constraint::one_hot()}) {
    auto b = biject_to(c);
    EXPECT_TRUE(c.is_discrete());
    auto y = torch::tensor({{0., 1., 0.}, {1., 0., 0.}}, torch::kDouble);
    EXPECT_TRUE(torch::equal(b->forward(y), y));
    EXPECT_TRUE(torch::equal(b->inverse(y), y));
    EXPECT_TRUE(torch::equal(b->log_abs_det_jacobian(y), torch::zeros_like(y)));
    EXPECT_EQ(b->unconstrained_size({4, 3}), 12);
  }
  EXPECT_EQ(Constraint::binary().to_string(), "binary");
  EXPECT_EQ(Constraint::one_hot().to_string(), "one_hot");
  EXPECT_FALSE(Constraint::real().is_discrete());
}

TEST(DiscreteIdentity, InverseRejectsValuesOffTheSupport) {
  auto binary = biject_to(Constraint::binary());
  EXPECT_THROW(binary->inverse(torch::tensor({0.0, 0.5}, torch::kDouble)), DomainError);
  auto one_hot = biject_to(Constraint::one_hot());
  EXPECT_THROW(one_hot->inverse(torch::tensor({{1., 1., 0.}}, torch::kDouble)), DomainError);
  EXPECT_THROW(one_hot->unconstrained_size({}), DomainError);
  EXPECT_NO_THROW(binary->unconstrained_size({}));
}

}  // namespace
}  // namespace elbo::bijector
