// fast_digamma against Boost.Math's digamma (the reference implementation).
#include <gtest/gtest.h>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <cmath>

#include "elbo/conjugate/special.hpp"

using elbo::conjugate::fast_digamma;

TEST(FastDigamma, MatchesBoostOverSixDecades) {
  for (double x = 1e-3; x < 1e4; x *= 1.07) {
    const double ref = boost::math::digamma(x);
    EXPECT_NEAR(fast_digamma(x), ref, 1e-13 * std::max(1.0, std::abs(ref))) << "x = " << x;
  }
}

TEST(FastDigamma, TabulatedValues) {
  // ψ(1) = −γ (Euler–Mascheroni), ψ(1/2) = −γ − 2 ln 2 (A&S 6.3.2, 6.3.3).
  const double euler = 0.57721566490153286061;
  EXPECT_NEAR(fast_digamma(1.0), -euler, 1e-13);
  EXPECT_NEAR(fast_digamma(0.5), -euler - 2.0 * std::log(2.0), 1e-13);
}

TEST(MultiGamma, MatchesProductOfGammas) {
  // Γ_2(a) = π^{1/2} Γ(a) Γ(a − 1/2).
  const double a = 3.7;
  const double ref = 0.5 * std::log(M_PI) + std::lgamma(a) + std::lgamma(a - 0.5);
  EXPECT_NEAR(elbo::conjugate::log_multi_gamma(a, 2), ref, 1e-12);
  EXPECT_NEAR(elbo::conjugate::sum_digamma_wishart(5.0, 2),
              boost::math::digamma(2.5) + boost::math::digamma(2.0), 1e-12);
}
