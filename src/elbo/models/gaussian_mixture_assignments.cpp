#include "elbo/models/gaussian_mixture_assignments.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/regression_data.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::models {

namespace {
constexpr const char* kGaussianMixtureAssignmentsName = "gaussian_mixture_assignments";
}  // namespace

GaussianMixtureAssignments::GaussianMixtureAssignments(const at::Tensor& x, int64_t num_clusters,
                                                       GaussianMixtureAssignmentsOptions options)
    : num_clusters_(num_clusters), options_(std::move(options)) {
  detail::check_scale_option(kGaussianMixtureAssignmentsName, "prior_mean_scale", options_.prior_mean_scale());
  detail::check_scale_option(kGaussianMixtureAssignmentsName, "observation_sd", options_.observation_sd());
  if (num_clusters < 2) {
    throw ConfigError(check_message(kGaussianMixtureAssignmentsName, "num_clusters", -1, static_cast<double>(num_clusters),
                                    "at least 2"));
  }
  if (!x.defined()) throw DomainError(std::string(kGaussianMixtureAssignmentsName) + ": x must be a defined tensor");
  auto data = x.detach().to(torch::kDouble);
  if (data.dim() == 1) data = data.unsqueeze(1);
  check_dim(kGaussianMixtureAssignmentsName, "x", data, 2);
  if (data.size(0) < 1 || data.size(1) < 1) {
    throw DomainError(std::string(kGaussianMixtureAssignmentsName) + ": x has shape " + shape_string(data.sizes()) +
                      ", but must have at least one row and one column");
  }
  check_finite(kGaussianMixtureAssignmentsName, "x", data);
  x_ = data.contiguous();
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  if (options_.weights().defined()) {
    auto w = options_.weights().detach().to(torch::kDouble).reshape(-1);
    check_shape(kGaussianMixtureAssignmentsName, "weights", w, {num_clusters});
    check_positive(kGaussianMixtureAssignmentsName, "weights", w);
    check_simplex(kGaussianMixtureAssignmentsName, "weights", w, 1e-8);
    log_weights_ = w.log();
  } else {
    log_weights_ = torch::full({num_clusters}, -std::log(static_cast<double>(num_clusters)), opts);
  }
}

std::vector<model::Latent> GaussianMixtureAssignments::latents() const {
  return {{"mu", {num_clusters_, num_dims()}, model::Constraint::real()},
          {"z", {num_points(), num_clusters_}, model::Constraint::one_hot()}};
}

std::vector<model::TermDependencies> GaussianMixtureAssignments::log_joint_term_scopes() const {
  const int64_t N = num_points(), C = num_clusters_, P = num_dims();
  std::vector<model::TermDependencies> scopes;
  scopes.reserve(N + C);
  for (int64_t n = 0; n < N; ++n) {
    std::vector<int64_t> row(C);
    for (int64_t c = 0; c < C; ++c) row[c] = n * C + c;
    scopes.push_back({{"z", row}, {"mu", {}}});
  }
  for (int64_t c = 0; c < C; ++c) {
    std::vector<int64_t> row(P);
    for (int64_t p = 0; p < P; ++p) row[p] = c * P + p;
    scopes.push_back({{"mu", row}});
  }
  return scopes;
}

at::Tensor GaussianMixtureAssignments::log_joint_terms(const model::Draws& draws,
                                                       const model::Subsample& data) const {
  (void)data;  // no subsampling: num_data() is 0
  const int64_t K = draws.num_draws(), N = num_points(), C = num_clusters_, P = num_dims();
  auto mu = draws["mu"].reshape({K, C, P});
  auto z = draws["z"].reshape({K, N, C});
  const double sigma = options_.observation_sd(), s = options_.prior_mean_scale();
  // log N(x_n | μ_c, σ² I) for every draw, point and cluster: [K, N, C].
  auto sq = (x_.unsqueeze(0).unsqueeze(2) - mu.unsqueeze(1)).square().sum(-1);
  auto log_lik = -0.5 * sq / (sigma * sigma) - P * (std::log(sigma) + 0.5 * kLog2Pi);
  auto point_terms = (z * (log_lik + log_weights_)).sum(-1);                       // [K, N]
  auto prior_terms = (-0.5 * mu.square() / (s * s)).sum(-1) - P * (std::log(s) + 0.5 * kLog2Pi);  // [K, C]
  return torch::cat({point_terms, prior_terms}, 1);
}

at::Tensor GaussianMixtureAssignments::log_joint(const model::Draws& z,
                                                 const model::Subsample& data) const {
  return log_joint_terms(z, data).sum(1);
}

}  // namespace elbo::models
