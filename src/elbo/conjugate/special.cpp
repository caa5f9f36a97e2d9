#include "elbo/conjugate/special.hpp"

#include <boost/math/constants/constants.hpp>

namespace elbo::conjugate {

double log_multi_gamma(double a, int d) {
  double out = 0.25 * d * (d - 1) * std::log(boost::math::constants::pi<double>());
  for (int i = 1; i <= d; ++i) out += std::lgamma(a + 0.5 * (1 - i));
  return out;
}

double sum_digamma_wishart(double nu, int d) {
  double out = 0.0;
  for (int i = 1; i <= d; ++i) out += fast_digamma(0.5 * (nu + 1 - i));
  return out;
}

}  // namespace elbo::conjugate
