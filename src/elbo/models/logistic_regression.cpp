#include "elbo/models/logistic_regression.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/glm_log_likelihood.hpp"
#include "elbo/models/glm_normal_prior_joint.hpp"
#include "elbo/models/regression_data.hpp"

namespace elbo::models {

namespace {
constexpr const char* kLogisticRegressionName = "logistic_regression";

}  // namespace

LogisticRegression::LogisticRegression(const at::Tensor& X, const at::Tensor& y,
                                       LogisticRegressionOptions options)
    : options_(std::move(options)) {
  detail::check_scale_option(kLogisticRegressionName, "prior_alpha_scale", options_.prior_alpha_scale());
  detail::check_scale_option(kLogisticRegressionName, "prior_beta_scale", options_.prior_beta_scale());
  auto data = detail::check_regression_data(kLogisticRegressionName, X, y);
  auto bad = ((data.y != 0) & (data.y != 1)).nonzero();
  if (bad.size(0) > 0) {
    const int64_t i = bad.index({0, 0}).item<int64_t>();
    throw DomainError(check_message(kLogisticRegressionName, "y", i, data.y[i].item<double>(), "0 or 1"));
  }
  X_ = std::move(data.X);
  y_ = std::move(data.y);
}

std::vector<model::Latent> LogisticRegression::latents() const {
  return {{"alpha", {}, model::Constraint::real()},
          {"beta", {num_features()}, model::Constraint::real()}};
}

detail::GlmNormalPrior LogisticRegression::glm() const {
  return {kLogisticRegressionName, GlmFamily::bernoulli_logit, X_, y_, at::Tensor(), options_.prior_alpha_scale(),
          options_.prior_beta_scale()};
}

at::Tensor LogisticRegression::log_joint(const model::Draws& z, const model::Subsample& data) const {
  // Priors and the (minibatch-scaled) likelihood in one autograd node.
  return detail::glm_normal_prior_joint(glm(), z, data);
}

std::optional<model::JointAndGradient> LogisticRegression::log_joint_and_gradient(
    const model::Draws& z, const model::Subsample& data) const {
  return detail::glm_normal_prior_joint_and_gradient(glm(), z, data);
}

}  // namespace elbo::models
