// k̂ = +inf is "could not be estimated" (infer::draw_posterior never reports NaN
// for a density q): the message says so and gives the reason.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "elbo/diagnostics/pareto_k.hpp"

namespace elbo::diagnostics {
namespace {

TEST(ParetoKInf, MessageSaysNotEstimableWithTheReason) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(pareto_k_message(inf, 1000, "10 draws are too few"),
            "Pareto k = inf (not estimable: 10 draws are too few; importance sampling can neither "
            "check nor correct q)");
  EXPECT_NE(pareto_k_message(inf).find("could not be fitted"), std::string::npos);
  EXPECT_EQ(pareto_k_category(inf), ParetoKCategory::very_bad);  // never usable
  // A finite k̂ ignores the reason.
  EXPECT_EQ(pareto_k_message(0.3, 1000, "ignored"), pareto_k_message(0.3, 1000));
}

}  // namespace
}  // namespace elbo::diagnostics
