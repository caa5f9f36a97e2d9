// The one message format: "<function>: <name>[<index>] is <value>, but must be <...>".
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(Check, ScalarMessages) {
  EXPECT_EQ(message_of([] { check_positive("normal", "scale", -1.0); }),
            "normal: scale is -1, but must be positive");
  EXPECT_EQ(message_of([] { check_probability("bernoulli", "p", 1.5); }),
            "bernoulli: p is 1.5, but must be in [0, 1]");
  EXPECT_THROW(check_finite("f", "x", std::nan("")), DomainError);
  EXPECT_THROW(check_option_positive("fit", "--draws", 0), ConfigError);
  EXPECT_NO_THROW(check_positive_finite("f", "x", 2.0));
}

TEST(Check, TensorMessagesNameTheFirstBadIndex) {
  auto v = torch::tensor({1.0, 2.0, -3.0, -4.0}, torch::kDouble);
  EXPECT_EQ(message_of([&] { check_positive("gamma", "rate", v); }),
            "gamma: rate[2] is -3, but must be positive");
  auto w = torch::tensor({0.2, 0.3}, torch::kDouble);
  EXPECT_EQ(message_of([&] { check_simplex("dirichlet", "p", w); }),
            "dirichlet: sum of p is 0.5, but must be 1 (a simplex)");
  auto L = torch::tensor({{1.0, 0.5}, {0.2, 1.0}}, torch::kDouble);
  EXPECT_NE(message_of([&] { check_cholesky_factor("mvn", "L", L); }).find("lower triangular"),
            std::string::npos);
  EXPECT_NE(message_of([&] { check_same_shape("f", "a", v, "b", w); }).find("[4]"), std::string::npos);
  EXPECT_NO_THROW(check_simplex("dirichlet", "p", torch::tensor({0.25, 0.75}, torch::kDouble)));
}

TEST(InputError, NamesFileLineAndField) {
  InputError e("data.csv", 17, "age", "non-numeric value \"forty\"");
  EXPECT_STREQ(e.what(), "data.csv:17: field 'age': non-numeric value \"forty\"");
  EXPECT_EQ(e.line(), 17);
}

}  // namespace
}  // namespace elbo
