#pragma once
// Special functions for the hot loops of the conjugate models.
//
// fast_digamma: ψ(x) for x > 0 by the recurrence ψ(x) = ψ(x+1) − 1/x up to x ≥ 10
// and the asymptotic series ψ(x) ≈ ln x − 1/(2x) − Σ B_{2k}/(2k x^{2k})
// (Abramowitz & Stegun 6.3.18), truncated after x^−10: absolute error < 1e-13 on
// (0, ∞) (checked against Boost.Math in tests/conjugate/special_test.cpp). This is
// the evaluation used by the online-LDA code of Hoffman et al. (2010); Boost's
// boost::math::digamma is the reference.
#include <cmath>

namespace elbo::conjugate {

inline double fast_digamma(double x) {
  double result = 0.0;
  while (x < 10.0) {
    result -= 1.0 / x;
    x += 1.0;
  }
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  // B2/2 = 1/12, B4/4 = -1/120, B6/6 = 1/252, B8/8 = -1/240, B10/10 = 1/132.
  const double series =
      inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132)))));
  return result + std::log(x) - 0.5 * inv - series;
}

/// ln Γ(x) (std::lgamma is thread-safe for the value; the sign is not used here).
inline double log_gamma(double x) { return std::lgamma(x); }

/// ln Γ_D(a) = D(D−1)/4 ln π + Σ_{i=1..D} ln Γ(a + (1−i)/2), the multivariate gamma.
double log_multi_gamma(double a, int d);

/// Σ_{i=1..D} ψ((ν + 1 − i)/2), used by E[ln |Λ|] under a Wishart (Bishop 10.65).
double sum_digamma_wishart(double nu, int d);

}  // namespace elbo::conjugate
