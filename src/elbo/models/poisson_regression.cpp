#include "elbo/models/poisson_regression.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/glm_log_likelihood.hpp"
#include "elbo/models/log_densities.hpp"
#include "elbo/models/regression_data.hpp"

namespace elbo::models {

namespace {
constexpr const char* kName = "poisson_regression";

}  // namespace

PoissonRegression::PoissonRegression(const at::Tensor& X, const at::Tensor& y,
                                     PoissonRegressionOptions options,
                                     const at::Tensor& exposure)
    : options_(std::move(options)) {
  detail::check_scale_option(kName, "prior_alpha_scale", options_.prior_alpha_scale());
  detail::check_scale_option(kName, "prior_beta_scale", options_.prior_beta_scale());
  auto data = detail::check_regression_data(kName, X, y);
  check_nonnegative_integer(kName, "y", data.y);
  if (exposure.defined()) {
    check_shape(kName, "exposure", exposure, {data.X.size(0)});
    auto t = exposure.detach().to(torch::kDouble).contiguous();
    check_positive_finite(kName, "exposure", t);
    log_exposure_ = t.log();
  }
  X_ = std::move(data.X);
  y_ = std::move(data.y);
}

std::vector<model::Latent> PoissonRegression::latents() const {
  return {{"alpha", {}, model::Constraint::real()},
          {"beta", {num_features()}, model::Constraint::real()}};
}

at::Tensor PoissonRegression::log_joint(const model::Draws& z,
                                        const model::Subsample& data) const {
  const auto& alpha = z["alpha"];
  const auto& beta = z["beta"];
  detail::check_glm_draws(kName, alpha, beta, num_features());
  detail::check_subsample(kName, data.is_full(), data.total(), num_data());
  auto lp = detail::normal_lpdf(alpha, 0.0, options_.prior_alpha_scale()) +
            detail::normal_lpdf(beta, 0.0, options_.prior_beta_scale()).sum(-1);
  const auto dtype = alpha.scalar_type();
  at::Tensor offset;
  if (log_exposure_.defined()) offset = data.rows(log_exposure_).to(dtype);
  auto ll = glm_log_likelihood(GlmFamily::poisson_log, data.rows(X_).to(dtype),
                               data.rows(y_).to(dtype), alpha, beta, at::Tensor(), offset);
  return lp + data.scale() * ll;
}

}  // namespace elbo::models
