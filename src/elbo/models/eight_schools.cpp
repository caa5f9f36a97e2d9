#include "elbo/models/eight_schools.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/log_densities.hpp"
#include "elbo/models/regression_data.hpp"

namespace elbo::models {

namespace {
constexpr const char* kEightSchoolsName = "eight_schools";

at::Tensor classic_y() {
  return torch::tensor({28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0}, torch::kDouble);
}
at::Tensor classic_sigma() {
  return torch::tensor({15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0}, torch::kDouble);
}
}  // namespace

EightSchools::EightSchools(EightSchoolsOptions options)
    : EightSchools(classic_y(), classic_sigma(), std::move(options)) {}

EightSchools::EightSchools(const at::Tensor& y, const at::Tensor& sigma,
                           EightSchoolsOptions options)
    : options_(std::move(options)) {
  detail::check_scale_option(kEightSchoolsName, "prior_mu_scale", options_.prior_mu_scale());
  detail::check_scale_option(kEightSchoolsName, "prior_tau_scale", options_.prior_tau_scale());
  if (!y.defined() || !sigma.defined()) {
    throw DomainError(std::string(kEightSchoolsName) + ": y and sigma must be defined tensors");
  }
  check_dim(kEightSchoolsName, "y", y, 1);
  if (y.size(0) < 1) {
    throw DomainError(check_message(kEightSchoolsName, "number of groups", -1,
                                    static_cast<double>(y.size(0)), "at least 1"));
  }
  check_same_shape(kEightSchoolsName, "y", y, "sigma", sigma);
  y_ = y.detach().to(torch::kDouble).contiguous();
  sigma_ = sigma.detach().to(torch::kDouble).contiguous();
  check_finite(kEightSchoolsName, "y", y_);
  check_positive_finite(kEightSchoolsName, "sigma", sigma_);
}

std::vector<model::Latent> EightSchools::latents() const {
  return {{"mu", {}, model::Constraint::real()},
          {"tau", {}, model::Constraint::positive()},
          {non_centered() ? "theta_tilde" : "theta", {num_groups()},
           model::Constraint::real()}};
}

at::Tensor EightSchools::theta(const model::Draws& z) const {
  if (!non_centered()) return z["theta"];
  const auto& mu = z["mu"];
  const auto& tau = z["tau"];
  return mu.unsqueeze(1) + tau.unsqueeze(1) * z["theta_tilde"];
}

std::vector<std::pair<std::string, at::Tensor>> EightSchools::derived(
    const model::Draws& z) const {
  if (!non_centered()) return {};
  return {{"theta", theta(z)}};
}

at::Tensor EightSchools::log_joint(const model::Draws& z,
                                   const model::Subsample& /*data*/) const {
  const auto& mu = z["mu"];
  const auto& tau = z["tau"];
  check_dim(kEightSchoolsName, "mu", mu, 1);
  check_shape(kEightSchoolsName, "tau", tau, {mu.size(0)});
  const auto& raw = z[non_centered() ? "theta_tilde" : "theta"];
  check_shape(kEightSchoolsName, non_centered() ? "theta_tilde" : "theta", raw,
              {mu.size(0), num_groups()});

  auto lp = detail::normal_lpdf(mu, 0.0, options_.prior_mu_scale()) +
            detail::half_cauchy_lpdf(tau, options_.prior_tau_scale());
  at::Tensor theta;
  if (non_centered()) {
    lp = lp + detail::normal_lpdf(raw, 0.0, 1.0).sum(-1);
    theta = mu.unsqueeze(1) + tau.unsqueeze(1) * raw;
  } else {
    lp = lp + detail::normal_lpdf(raw, mu.unsqueeze(1), tau.unsqueeze(1)).sum(-1);
    theta = raw;
  }
  const auto dtype = mu.scalar_type();
  return lp + detail::normal_lpdf(y_.to(dtype), theta, sigma_.to(dtype)).sum(-1);
}

}  // namespace elbo::models
