// biject_to: each Constraint kind gets the bijector onto its support.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "bijector/bijector_test_util.hpp"
#include "elbo/bijector/biject_to.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::bijector {
namespace {

using testing::dbl;

TEST(BijectTo, ElementwiseKinds) {
  auto gen = make_generator(51);
  auto y = 3.0 * torch::randn({200}, gen, dbl());
  struct Row {
    Constraint c;
    std::string name;
    double low, high;
  };
  std::vector<Row> rows = {
      {Constraint::real(), "Identity", -INFINITY, INFINITY},
      {Constraint::positive(), "Exp", 0, INFINITY},
      {Constraint::greater_than(-3.5), "LowerBound", -3.5, INFINITY},
      {Constraint::less_than(2.0), "UpperBound", -INFINITY, 2.0},
      {Constraint::interval(-1.0, 4.0), "Sigmoid", -1.0, 4.0},
      {Constraint::unit_interval(), "Sigmoid", 0.0, 1.0},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.c.to_string());
    auto b = biject_to(r.c);
    EXPECT_EQ(b->name(), r.name);
    EXPECT_EQ(b->event_dim(), 0);
    auto x = b->forward(y);
    EXPECT_TRUE(((x > r.low) & (x < r.high)).all().item<bool>());
    EXPECT_TENSOR_NEAR(b->inverse(x), y, 1e-10);
    EXPECT_EQ(b->unconstrained_size({3, 2}), 6);
  }
  // The bounds are the constraint's: x = −3.5 + e^y, x = 2 − e^y, x = −1 + 5σ(y).
  auto y0 = torch::zeros({1}, dbl());
  EXPECT_NEAR(biject_to(Constraint::greater_than(-3.5))->forward(y0).item<double>(), -2.5, 1e-15);
  EXPECT_NEAR(biject_to(Constraint::less_than(2.0))->forward(y0).item<double>(), 1.0, 1e-15);
  EXPECT_NEAR(biject_to(Constraint::interval(-1, 4))->forward(y0).item<double>(), 1.5, 1e-15);
}

TEST(BijectTo, StructuredKinds) {
  auto simplex = biject_to(Constraint::simplex());
  EXPECT_EQ(simplex->name(), "StickBreaking");
  EXPECT_EQ(simplex->unconstrained_size({4}), 3);
  EXPECT_TENSOR_NEAR(simplex->forward(torch::zeros({3}, dbl())).sum(), torch::ones({}, dbl()),
                     1e-15);

  auto chol = biject_to(Constraint::cholesky_factor());
  EXPECT_EQ(chol->name(), "LowerCholesky");
  EXPECT_EQ(chol->unconstrained_size({3, 3}), 6);
  EXPECT_TENSOR_NEAR(chol->forward(torch::zeros({6}, dbl())), torch::eye(3, dbl()), 0);

  auto corr = biject_to(Constraint::corr_cholesky());
  EXPECT_EQ(corr->name(), "CorrCholesky");
  EXPECT_EQ(corr->unconstrained_size({3, 3}), 3);
  EXPECT_TENSOR_NEAR(corr->forward(torch::zeros({3}, dbl())), torch::eye(3, dbl()), 0);
}

TEST(BijectTo, ConstraintValidationAndNames) {
  EXPECT_THROW(Constraint::interval(1.0, 1.0), DomainError);
  EXPECT_THROW(Constraint::interval(0.0, INFINITY), DomainError);
  EXPECT_THROW(biject_to(Constraint::greater_than(NAN)), DomainError);
  EXPECT_EQ(Constraint::interval(0, 1).to_string(), "interval(0, 1)");
  EXPECT_EQ(Constraint::greater_than(-2.5).to_string(), "greater_than(-2.5)");
  EXPECT_EQ(Constraint::simplex().to_string(), "simplex");
  EXPECT_EQ(Constraint::corr_cholesky().to_string(), "corr_cholesky");
}

}  // namespace
}  // namespace elbo::bijector
