#include "elbo/models/regression_data.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::models::detail {

RegressionData check_regression_data(const char* function, const at::Tensor& X,
                                     const at::Tensor& y) {
  if (!X.defined() || !y.defined()) {
    throw DomainError(std::string(function) + ": X and y must be defined tensors");
  }
  check_dim(function, "X", X, 2);
  check_dim(function, "y", y, 1);
  if (X.size(0) < 1) {
    throw DomainError(check_message(function, "number of rows of X", -1,
                                    static_cast<double>(X.size(0)), "at least 1"));
  }
  if (X.size(1) < 1) {
    throw DomainError(check_message(function, "number of columns of X", -1,
                                    static_cast<double>(X.size(1)), "at least 1"));
  }
  if (y.size(0) != X.size(0)) {
    throw DomainError(std::string(function) + ": X has " + std::to_string(X.size(0)) +
                      " rows but y has " + std::to_string(y.size(0)) +
                      " elements; they must match");
  }
  RegressionData out{X.detach().to(torch::kDouble).contiguous(),
                     y.detach().to(torch::kDouble).contiguous()};
  check_finite(function, "X", out.X);
  check_finite(function, "y", out.y);
  return out;
}

void check_glm_draws(const char* function, const at::Tensor& alpha, const at::Tensor& beta,
                     int64_t num_features) {
  check_dim(function, "alpha", alpha, 1);
  check_shape(function, "beta", beta, {alpha.size(0), num_features});
}

void check_subsample(const char* function, bool is_full, int64_t total, int64_t num_data) {
  if (!is_full && total != num_data) {
    throw DomainError(std::string(function) + ": the subsample is drawn from " +
                      std::to_string(total) + " data points, but the model has " +
                      std::to_string(num_data));
  }
}

}  // namespace elbo::models::detail

namespace elbo::models::detail {

void check_scale_option(const char* function, const char* name, double value) {
  if (!(value > 0) || !std::isfinite(value)) {
    throw ConfigError(check_message(function, name, -1, value, "positive finite"));
  }
}

}  // namespace elbo::models::detail
