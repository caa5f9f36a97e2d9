#include "elbo/models/linear_regression.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/glm_log_likelihood.hpp"
#include "elbo/models/log_densities.hpp"
#include "elbo/models/regression_data.hpp"

namespace elbo::models {

namespace {
constexpr const char* kLinearRegressionName = "linear_regression";

}  // namespace

LinearRegression::LinearRegression(const at::Tensor& X, const at::Tensor& y,
                                   LinearRegressionOptions options)
    : options_(std::move(options)) {
  detail::check_scale_option(kLinearRegressionName, "prior_alpha_scale", options_.prior_alpha_scale());
  detail::check_scale_option(kLinearRegressionName, "prior_beta_scale", options_.prior_beta_scale());
  detail::check_scale_option(kLinearRegressionName, "prior_sigma_scale", options_.prior_sigma_scale());
  if (options_.known_sigma()) {
    detail::check_scale_option(kLinearRegressionName, "known_sigma", *options_.known_sigma());
  }
  auto data = detail::check_regression_data(kLinearRegressionName, X, y);
  X_ = std::move(data.X);
  y_ = std::move(data.y);
}

std::vector<model::Latent> LinearRegression::latents() const {
  std::vector<model::Latent> out{{"alpha", {}, model::Constraint::real()},
                                 {"beta", {num_features()}, model::Constraint::real()}};
  if (!options_.known_sigma()) out.push_back({"sigma", {}, model::Constraint::positive()});
  return out;
}

at::Tensor LinearRegression::log_joint(const model::Draws& z,
                                       const model::Subsample& data) const {
  const auto& alpha = z["alpha"];
  const auto& beta = z["beta"];
  detail::check_glm_draws(kLinearRegressionName, alpha, beta, num_features());
  detail::check_subsample(kLinearRegressionName, data.is_full(), data.total(), num_data());

  auto lp = detail::normal_lpdf(alpha, 0.0, options_.prior_alpha_scale()) +
            detail::normal_lpdf(beta, 0.0, options_.prior_beta_scale()).sum(-1);
  at::Tensor sigma;
  if (options_.known_sigma()) {
    sigma = torch::full({alpha.size(0)}, *options_.known_sigma(), alpha.options());
  } else {
    sigma = z["sigma"];
    check_shape(kLinearRegressionName, "sigma", sigma, {alpha.size(0)});
    lp = lp + detail::half_normal_lpdf(sigma, options_.prior_sigma_scale());
  }
  const auto dtype = alpha.scalar_type();
  auto ll = glm_log_likelihood(GlmFamily::gaussian, data.rows(X_).to(dtype),
                               data.rows(y_).to(dtype), alpha, beta, sigma);
  return lp + data.scale() * ll;
}

GaussianPosterior LinearRegression::exact_posterior() const {
  if (!options_.known_sigma()) {
    throw ConfigError(std::string(kLinearRegressionName) +
                      ": the exact posterior needs a known sigma (option known_sigma)");
  }
  return exact_posterior_known_sigma(X_, y_, *options_.known_sigma(),
                                     options_.prior_alpha_scale(),
                                     options_.prior_beta_scale());
}

GaussianPosterior exact_posterior_known_sigma(const at::Tensor& X, const at::Tensor& y,
                                              double sigma, double prior_alpha_scale,
                                              double prior_beta_scale) {
  static const char* kFunction = "exact_posterior_known_sigma";
  check_positive_finite(kFunction, "sigma", sigma);
  check_positive_finite(kFunction, "prior_alpha_scale", prior_alpha_scale);
  check_positive_finite(kFunction, "prior_beta_scale", prior_beta_scale);
  auto data = detail::check_regression_data(kFunction, X, y);
  const int64_t N = data.X.size(0);
  const int64_t D = data.X.size(1);

  auto Z = torch::cat({torch::ones({N, 1}, data.X.options()), data.X}, 1);  // [N, D+1]
  auto prior_var = torch::full({D + 1}, prior_beta_scale * prior_beta_scale,
                               data.X.options());
  prior_var[0] = prior_alpha_scale * prior_alpha_scale;
  const double var = sigma * sigma;

  auto precision = Z.t().matmul(Z) / var + torch::diag(1.0 / prior_var);
  auto L = torch::linalg_cholesky(precision);
  auto b = (Z.t().matmul(data.y) / var).unsqueeze(1);
  auto mean = torch::cholesky_solve(b, L).squeeze(1);
  auto covariance = torch::cholesky_inverse(L);
  covariance = 0.5 * (covariance + covariance.t());

  const double log_det_precision = 2.0 * L.diagonal().log().sum().item<double>();
  const double log_det_prior = prior_var.log().sum().item<double>();
  const double quad = data.y.dot(data.y).item<double>() / var -
                      mean.dot(precision.matmul(mean)).item<double>();
  const double log_evidence = -0.5 * static_cast<double>(N) * std::log(2.0 * M_PI * var) -
                              0.5 * log_det_prior - 0.5 * log_det_precision - 0.5 * quad;
  return {mean, covariance, log_evidence};
}

}  // namespace elbo::models
