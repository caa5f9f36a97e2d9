#include "elbo/hmm/dirichlet_factor.hpp"

#include <cmath>
#include <string>

#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"

namespace elbo::hmm {

void dirichlet_expected_log(const double* alpha, int64_t n, double* out, const char* what) {
  double total = 0.0;
  for (int64_t k = 0; k < n; ++k) {
    if (!(alpha[k] > 0) || !std::isfinite(alpha[k])) {
      throw NumericalError(std::string("hmm: ") + what + " has an invalid Dirichlet concentration " +
                           std::to_string(alpha[k]));
    }
    total += alpha[k];
  }
  const double psi_total = conjugate::fast_digamma(total);
  for (int64_t k = 0; k < n; ++k) out[k] = conjugate::fast_digamma(alpha[k]) - psi_total;
}

double dirichlet_kl(const double* alpha, const double* prior, int64_t n) {
  double a0 = 0.0, e0 = 0.0;
  for (int64_t k = 0; k < n; ++k) {
    a0 += alpha[k];
    e0 += prior[k];
  }
  const double psi_total = conjugate::fast_digamma(a0);
  double kl = std::lgamma(a0) - std::lgamma(e0);
  for (int64_t k = 0; k < n; ++k) {
    kl += std::lgamma(prior[k]) - std::lgamma(alpha[k]) +
          (alpha[k] - prior[k]) * (conjugate::fast_digamma(alpha[k]) - psi_total);
  }
  return kl;
}

void dirichlet_mean_sd(const double* alpha, int64_t n, double* out_mean, double* out_sd) {
  double a0 = 0.0;
  for (int64_t k = 0; k < n; ++k) a0 += alpha[k];
  for (int64_t k = 0; k < n; ++k) {
    const double m = alpha[k] / a0;
    out_mean[k] = m;
    out_sd[k] = std::sqrt(m * (1.0 - m) / (a0 + 1.0));
  }
}

}  // namespace elbo::hmm
