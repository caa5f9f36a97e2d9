#include "elbo/diagnostics/gpd_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::diagnostics {

GpdFitOptions& GpdFitOptions::min_grid_points(int n) {
  check_option_positive("GpdFitOptions", "min_grid_points", n);
  min_grid_points_ = n;
  return *this;
}

namespace {

double log_sum_exp(const std::vector<double>& v) {
  double m = *std::max_element(v.begin(), v.end());
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

// k(θ) = mean log(1 − θ x).
double mean_log1m(double theta, const std::vector<double>& x) {
  double s = 0;
  for (double xi : x) s += std::log1p(-theta * xi);
  return s / static_cast<double>(x.size());
}

}  // namespace

GpdFit gpd_fit(std::vector<double> x, const GpdFitOptions& options) {
  const char* function = "gpd_fit";
  if (x.size() < 2) {
    throw DomainError(check_message(function, "number of exceedances", -1,
                                    static_cast<double>(x.size()), "at least 2"));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] >= 0) || !std::isfinite(x[i])) {
      throw DomainError(check_message(function, "exceedances", static_cast<int64_t>(i), x[i],
                                      "finite and nonnegative"));
    }
  }
  std::sort(x.begin(), x.end());
  const auto n = static_cast<int64_t>(x.size());
  if (!(x.back() > 0)) {
    throw DomainError(check_message(function, "largest exceedance", -1, x.back(), "positive"));
  }
  const double prior = 3.0;
  const int64_t m = options.min_grid_points_ + static_cast<int64_t>(std::floor(std::sqrt(n)));
  // First quartile, R's x[floor(N/4 + 0.5)] (1-based), at least the first value.
  int64_t q = static_cast<int64_t>(std::floor(static_cast<double>(n) / 4.0 + 0.5));
  const double xstar = x[static_cast<size_t>(std::max<int64_t>(q, 1) - 1)];

  std::vector<double> theta(m), profile(m);
  for (int64_t j = 0; j < m; ++j) {
    const double jj = static_cast<double>(j + 1);
    theta[j] = 1.0 / x.back() + (1.0 - std::sqrt(static_cast<double>(m) / (jj - 0.5))) /
                                    prior / xstar;
    const double k = mean_log1m(theta[j], x);
    profile[j] = static_cast<double>(n) * (std::log(-theta[j] / k) - k - 1.0);
  }
  const double lse = log_sum_exp(profile);
  double theta_hat = 0;
  for (int64_t j = 0; j < m; ++j) theta_hat += theta[j] * std::exp(profile[j] - lse);

  GpdFit fit;
  fit.k = mean_log1m(theta_hat, x);
  fit.sigma = -fit.k / theta_hat;
  if (options.prior_adjustment_) {
    const double a = 10.0;
    fit.k = (fit.k * static_cast<double>(n) + a * 0.5) / (static_cast<double>(n) + a);
  }
  if (std::isnan(fit.k)) fit.k = std::numeric_limits<double>::infinity();
  return fit;
}

double gpd_quantile(double p, double k, double sigma) {
  if (!(sigma > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (k == 0) return -sigma * std::log1p(-p);
  return sigma * std::expm1(-k * std::log1p(-p)) / k;
}

}  // namespace elbo::diagnostics
