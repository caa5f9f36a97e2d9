#include "elbo/models/bernoulli_latent_features.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/regression_data.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::models {

namespace {
constexpr const char* kBernoulliLatentFeaturesName = "bernoulli_latent_features";
}  // namespace

BernoulliLatentFeatures::BernoulliLatentFeatures(const at::Tensor& x, int64_t num_features,
                                                 BernoulliLatentFeaturesOptions options)
    : num_features_(num_features), options_(std::move(options)) {
  detail::check_scale_option(kBernoulliLatentFeaturesName, "prior_weight_scale", options_.prior_weight_scale());
  const double rho = options_.feature_probability();
  if (!(rho > 0.0 && rho < 1.0)) {
    throw ConfigError(check_message(kBernoulliLatentFeaturesName, "feature_probability", -1, rho, "in (0, 1)"));
  }
  if (num_features < 1) {
    throw ConfigError(check_message(kBernoulliLatentFeaturesName, "num_features", -1, static_cast<double>(num_features),
                                    "at least 1"));
  }
  if (!x.defined()) throw DomainError(std::string(kBernoulliLatentFeaturesName) + ": x must be a defined tensor");
  auto data = x.detach().to(torch::kDouble);
  check_dim(kBernoulliLatentFeaturesName, "x", data, 2);
  if (data.size(0) < 1 || data.size(1) < 1) {
    throw DomainError(std::string(kBernoulliLatentFeaturesName) + ": x has shape " + shape_string(data.sizes()) +
                      ", but must have at least one row and one column");
  }
  auto bad = (data != 0.0).logical_and(data != 1.0).reshape(-1).nonzero();
  if (bad.size(0) > 0) {
    const int64_t i = bad[0].item<int64_t>();
    throw DomainError(check_message(kBernoulliLatentFeaturesName, "x", i, data.reshape(-1)[i].item<double>(), "0 or 1"));
  }
  x_ = data.contiguous();
}

std::vector<model::Latent> BernoulliLatentFeatures::latents() const {
  return {{"W", {num_features_, num_pixels()}, model::Constraint::real()},
          {"b", {num_pixels()}, model::Constraint::real()},
          {"z", {num_points(), num_features_}, model::Constraint::binary()}};
}

std::vector<model::TermDependencies> BernoulliLatentFeatures::log_joint_term_scopes() const {
  const int64_t N = num_points(), K = num_features_;
  std::vector<model::TermDependencies> scopes;
  scopes.reserve(N + 1);
  for (int64_t n = 0; n < N; ++n) {
    std::vector<int64_t> row(K);
    for (int64_t k = 0; k < K; ++k) row[k] = n * K + k;
    scopes.push_back({{"z", row}, {"W", {}}, {"b", {}}});
  }
  scopes.push_back({{"W", {}}, {"b", {}}});
  return scopes;
}

at::Tensor BernoulliLatentFeatures::log_joint_terms(const model::Draws& draws,
                                                    const model::Subsample& data) const {
  (void)data;  // no subsampling: num_data() is 0
  const int64_t S = draws.num_draws(), N = num_points(), D = num_pixels(), K = num_features_;
  auto W = draws["W"].reshape({S, K, D});
  auto b = draws["b"].reshape({S, D});
  auto z = draws["z"].reshape({S, N, K});
  const double rho = options_.feature_probability(), s = options_.prior_weight_scale();
  auto eta = z.matmul(W) + b.unsqueeze(1);  // [S, N, D]
  // log Bern(x | sigmoid(η)) = x η − log(1 + e^η), stably.
  auto lik = (x_ * eta - torch::nn::functional::softplus(eta)).sum(-1);           // [S, N]
  auto prior_z = (z * std::log(rho) + (1 - z) * std::log1p(-rho)).sum(-1);       // [S, N]
  auto prior_w = (-0.5 * W.square() / (s * s)).sum({1, 2}) + (-0.5 * b.square() / (s * s)).sum(1) -
                 static_cast<double>(K * D + D) * (std::log(s) + 0.5 * kLog2Pi);  // [S]
  return torch::cat({lik + prior_z, prior_w.unsqueeze(1)}, 1);
}

at::Tensor BernoulliLatentFeatures::log_joint(const model::Draws& z, const model::Subsample& data) const {
  return log_joint_terms(z, data).sum(1);
}

}  // namespace elbo::models
