#include "elbo/model/gp.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::model {
namespace {

at::Tensor as_points(const char* function, const at::Tensor& x) {
  if (x.dim() == 1) return x.unsqueeze(1);
  if (x.dim() == 2) return x;
  throw DomainError(std::string(function) + ": inputs must be [N] or [N, P], not " +
                    shape_string(x.sizes()));
}

// A hyperparameter [K] or 0-dim as [K, 1, 1] or 0-dim.
at::Tensor per_draw(const char* function, const char* name, const at::Tensor& value) {
  if (value.dim() == 0) return value;
  if (value.dim() == 1) return value.view({-1, 1, 1});
  throw DomainError(std::string(function) + ": " + name + " must be [K] (one per draw) or 0-dim, not " +
                    shape_string(value.sizes()));
}

}  // namespace

at::Tensor squared_distances(const at::Tensor& x1, const at::Tensor& x2) {
  auto a = as_points("squared_distances", x1), b = as_points("squared_distances", x2);
  if (a.size(1) != b.size(1)) {
    throw DomainError("squared_distances: inputs of shape " + shape_string(x1.sizes()) + " and " +
                      shape_string(x2.sizes()) + " have different dimensions");
  }
  // Differences, not ‖a‖² + ‖b‖² − 2ab, so identical points are exactly 0.
  return (a.unsqueeze(1) - b.unsqueeze(0)).square().sum(-1);
}

at::Tensor exp_quad_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho) {
  auto d2 = squared_distances(x1, x2);
  auto a = per_draw("exp_quad_kernel", "alpha", alpha);
  auto r = per_draw("exp_quad_kernel", "rho", rho);
  return a.square() * torch::exp(-0.5 * d2 / r.square());
}

at::Tensor matern32_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho) {
  auto d = squared_distances(x1, x2).sqrt();
  auto a = per_draw("matern32_kernel", "alpha", alpha);
  auto r = per_draw("matern32_kernel", "rho", rho);
  auto s = std::sqrt(3.0) * d / r;
  return a.square() * (1 + s) * torch::exp(-s);
}

at::Tensor matern52_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho) {
  auto d2 = squared_distances(x1, x2);
  auto a = per_draw("matern52_kernel", "alpha", alpha);
  auto r = per_draw("matern52_kernel", "rho", rho);
  auto s = std::sqrt(5.0) * d2.sqrt() / r;
  return a.square() * (1 + s + 5.0 / 3.0 * d2 / r.square()) * torch::exp(-s);
}

at::Tensor periodic_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho, double period) {
  check_positive("periodic_kernel", "period", period);
  check_finite("periodic_kernel", "period", period);
  auto d = squared_distances(x1, x2).sqrt();
  auto a = per_draw("periodic_kernel", "alpha", alpha);
  auto r = per_draw("periodic_kernel", "rho", rho);
  return a.square() * torch::exp(-2 * torch::sin(M_PI * d / period).square() / r.square());
}

at::Tensor exp_quad_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho) {
  return exp_quad_kernel(x, x, alpha, rho);
}
at::Tensor matern32_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho) {
  return matern32_kernel(x, x, alpha, rho);
}
at::Tensor matern52_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho) {
  return matern52_kernel(x, x, alpha, rho);
}
at::Tensor periodic_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho,
                           double period) {
  return periodic_kernel(x, x, alpha, rho, period);
}

at::Tensor gp_cholesky(const at::Tensor& cov, double jitter) {
  check_nonnegative("gp_cholesky", "jitter", jitter);
  check_finite("gp_cholesky", "jitter", jitter);
  if (cov.dim() < 2 || cov.size(-1) != cov.size(-2)) {
    throw DomainError("gp_cholesky: the covariance must be [..., N, N], not " +
                      shape_string(cov.sizes()));
  }
  const int64_t n = cov.size(-1);
  auto jittered = jitter > 0 ? cov + jitter * torch::eye(n, cov.options()) : cov;
  auto [factor, info] = torch::linalg_cholesky_ex(jittered);
  auto bad = (info != 0).reshape({-1});
  if (bad.any().item<bool>()) {
    const int64_t first = bad.nonzero()[0][0].item<int64_t>();
    const int64_t minor = info.reshape({-1})[first].item<int64_t>();
    throw NumericalError("gp_cholesky: the covariance of matrix " + std::to_string(first) +
                         " (of " + std::to_string(bad.numel()) +
                         ") is not positive definite with jitter " + std::to_string(jitter) +
                         " (leading minor " + std::to_string(minor) + ")");
  }
  return factor;
}

}  // namespace elbo::model
