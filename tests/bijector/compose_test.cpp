// Compose: forward/inverse order, summed log|det J| against central differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/affine.hpp"
#include "elbo/bijector/compose.hpp"
#include "elbo/bijector/exp.hpp"
#include "elbo/bijector/stick_breaking.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

TEST(Compose, ElementwiseChain) {
  // x = exp(1 + 2y): log|dx/dy| = log 2 + 1 + 2y.
  Compose c({std::make_shared<Affine>(1.0, 2.0), std::make_shared<Exp>()});
  EXPECT_EQ(c.name(), "Compose(Affine, Exp)");
  EXPECT_EQ(c.event_dim(), 0);
  auto y = torch::tensor({{-0.5, 0.25}, {1.0, 0.0}}, dbl());
  EXPECT_TENSOR_NEAR(c.forward(y), torch::exp(1 + 2 * y), 1e-15);
  EXPECT_TENSOR_NEAR(c.log_abs_det_jacobian(y), std::log(2.0) + 1 + 2 * y, 1e-15);
  EXPECT_TENSOR_NEAR(c.inverse(c.forward(y)), y, 1e-15);
}

TEST(Compose, ElementwiseThenStructured) {
  Compose c({std::make_shared<Affine>(torch::tensor({0.5, -1.0, 2.0}, dbl()),
                                      torch::tensor({2.0, -0.5, 1.5}, dbl())),
             std::make_shared<StickBreaking>()});
  EXPECT_EQ(c.event_dim(), 1);
  EXPECT_EQ(c.unconstrained_shape({2, 4}), (std::vector<int64_t>{2, 3}));
  auto gen = make_generator(41);
  auto y = torch::randn({3, 3}, gen, dbl());
  auto ladj = c.log_abs_det_jacobian(y);
  ASSERT_EQ(ladj.sizes(), (std::vector<int64_t>{3}));
  for (int64_t b = 0; b < 3; ++b) {
    auto jac = testing::fd_jacobian(
        [&](const at::Tensor& v) { return c.forward(v).narrow(-1, 0, 3); }, y[b]);
    EXPECT_NEAR(testing::log_abs_det(jac), ladj[b].item<double>(), 1e-7);
  }
  EXPECT_TENSOR_NEAR(c.inverse(c.forward(y)), y, 1e-13);
}

TEST(Compose, Validation) {
  EXPECT_THROW(Compose({}), DomainError);
  EXPECT_THROW(Compose({nullptr}), DomainError);
  EXPECT_THROW(Compose({std::make_shared<StickBreaking>(), std::make_shared<Exp>()}),
               DomainError);
}

}  // namespace
}  // namespace elbo::bijector
