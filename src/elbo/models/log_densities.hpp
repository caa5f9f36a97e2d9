#pragma once
// Internal to elbo::models: the few normalised log densities the built-in
// models need, written directly with tensor ops so the models do not depend on
// elbo::dist. Include only from .cpp files (pulls in <torch/torch.h>).
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/math_constants.hpp"

namespace elbo::models::detail {

using ::elbo::kHalfLog2Pi;
using ::elbo::kLog2;
using ::elbo::kLogPi;

/// log N(x | μ, σ) = −log σ − ½ log 2π − ½ ((x − μ)/σ)², element-wise.
inline at::Tensor normal_lpdf(const at::Tensor& x, const at::Tensor& mu,
                              const at::Tensor& sigma) {
  auto z = (x - mu) / sigma;
  return -0.5 * z * z - sigma.log() - kHalfLog2Pi;
}
inline at::Tensor normal_lpdf(const at::Tensor& x, double mu, double sigma) {
  auto z = (x - mu) / sigma;
  return -0.5 * z * z - (std::log(sigma) + kHalfLog2Pi);
}

/// HalfNormal(s): log p(x) = log 2 + log N(x | 0, s) for x ≥ 0.
inline at::Tensor half_normal_lpdf(const at::Tensor& x, double scale) {
  return normal_lpdf(x, 0.0, scale) + kLog2;
}

/// HalfCauchy(s): log p(x) = log 2 − log(π s) − log(1 + (x/s)²) for x ≥ 0.
inline at::Tensor half_cauchy_lpdf(const at::Tensor& x, double scale) {
  auto z = x / scale;
  return -torch::log1p(z * z) + (kLog2 - kLogPi - std::log(scale));
}

}  // namespace elbo::models::detail
