#pragma once
// Internal to elbo::models: the validation shared by the regression models.
#include <ATen/core/Tensor.h>

namespace elbo::models::detail {

/// A validated design X [N, D] and response y [N], both contiguous double.
struct RegressionData {
  at::Tensor X;
  at::Tensor y;
};

/// Checks X is [N, D] and y is [N] with N ≥ 1, D ≥ 1, all values finite; throws
/// DomainError in the shared check format, prefixed by `function`.
RegressionData check_regression_data(const char* function, const at::Tensor& X,
                                     const at::Tensor& y);

/// Checks the draws of a GLM's alpha [K] and beta [K, D] (shapes only).
void check_glm_draws(const char* function, const at::Tensor& alpha, const at::Tensor& beta,
                     int64_t num_features);

/// Throws DomainError if a (non-full) subsample was drawn from a data set of
/// another size than the model's `num_data`.
void check_subsample(const char* function, bool is_full, int64_t total, int64_t num_data);

}  // namespace elbo::models::detail

namespace elbo::models::detail {

/// A positive finite option value (prior scale, known sigma); ConfigError otherwise.
void check_scale_option(const char* function, const char* name, double value);

}  // namespace elbo::models::detail
