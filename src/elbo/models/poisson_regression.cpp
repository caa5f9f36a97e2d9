#include "elbo/models/poisson_regression.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/glm_log_likelihood.hpp"
#include "elbo/models/log_densities.hpp"
#include "elbo/models/glm_normal_prior_joint.hpp"
#include "elbo/models/regression_data.hpp"

namespace elbo::models {

namespace {
constexpr const char* kPoissonRegressionName = "poisson_regression";

}  // namespace

PoissonRegression::PoissonRegression(const at::Tensor& X, const at::Tensor& y,
                                     PoissonRegressionOptions options,
                                     const at::Tensor& exposure)
    : options_(std::move(options)) {
  detail::check_scale_option(kPoissonRegressionName, "prior_alpha_scale", options_.prior_alpha_scale());
  detail::check_scale_option(kPoissonRegressionName, "prior_beta_scale", options_.prior_beta_scale());
  auto data = detail::check_regression_data(kPoissonRegressionName, X, y);
  check_nonnegative_integer(kPoissonRegressionName, "y", data.y);
  if (exposure.defined()) {
    check_shape(kPoissonRegressionName, "exposure", exposure, {data.X.size(0)});
    auto t = exposure.detach().to(torch::kDouble).contiguous();
    check_positive_finite(kPoissonRegressionName, "exposure", t);
    log_exposure_ = t.log();
  }
  X_ = std::move(data.X);
  y_ = std::move(data.y);
}

std::vector<model::Latent> PoissonRegression::latents() const {
  return {{"alpha", {}, model::Constraint::real()},
          {"beta", {num_features()}, model::Constraint::real()}};
}

detail::GlmNormalPrior PoissonRegression::glm() const {
  return {kPoissonRegressionName, GlmFamily::poisson_log, X_, y_, log_exposure_, options_.prior_alpha_scale(),
          options_.prior_beta_scale()};
}

at::Tensor PoissonRegression::log_joint(const model::Draws& z, const model::Subsample& data) const {
  // Priors and the (minibatch-scaled) likelihood in one autograd node.
  return detail::glm_normal_prior_joint(glm(), z, data);
}

std::optional<model::JointAndGradient> PoissonRegression::log_joint_and_gradient(
    const model::Draws& z, const model::Subsample& data) const {
  return detail::glm_normal_prior_joint_and_gradient(glm(), z, data);
}

}  // namespace elbo::models
