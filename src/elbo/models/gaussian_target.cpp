#include "elbo/models/gaussian_target.hpp"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/model/small_matmul.hpp"
#include "elbo/models/log_densities.hpp"

namespace elbo::models {

namespace {
constexpr const char* kGaussianTargetName = "gaussian_target";

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ELBO_GAUSSIAN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ELBO_GAUSSIAN_CLONES
#endif

/// d = x − μ for K rows of D.
ELBO_GAUSSIAN_CLONES
void centre(const double* x, const double* mu, int64_t K, int64_t D, double* d) {
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t j = 0; j < D; ++j) d[k * D + j] = x[k * D + j] - mu[j];
  }
}

/// v_k = ½ d_k·g_k + c with g_k = −Σ⁻¹ d_k the gradient: −½ dᵀΣ⁻¹d + c.
ELBO_GAUSSIAN_CLONES
void log_density(const double* d, const double* g, int64_t K, int64_t D, double c, double* v) {
  for (int64_t k = 0; k < K; ++k) {
    double q = 0.0;
    for (int64_t j = 0; j < D; ++j) q += d[k * D + j] * g[k * D + j];
    v[k] = 0.5 * q + c;
  }
}

}  // namespace

GaussianTarget::GaussianTarget(const at::Tensor& mean, const at::Tensor& covariance) {
  check_dim(kGaussianTargetName, "mean", mean, 1);
  const int64_t D = mean.size(0);
  if (D < 1) throw DomainError(std::string(kGaussianTargetName) + ": mean is empty");
  check_shape(kGaussianTargetName, "covariance", covariance, {D, D});
  mean_ = mean.detach().to(torch::kDouble).contiguous();
  covariance_ = covariance.detach().to(torch::kDouble).contiguous();
  check_finite(kGaussianTargetName, "mean", mean_);
  check_finite(kGaussianTargetName, "covariance", covariance_);
  const double asymmetry = (covariance_ - covariance_.t()).abs().max().item<double>();
  const double size = covariance_.abs().max().item<double>();
  if (asymmetry > 1e-10 * size) {
    throw DomainError(std::string(kGaussianTargetName) + ": covariance is not symmetric (max |Σ - Σᵀ| = " +
                      std::to_string(asymmetry) + ")");
  }
  auto [L, info] = torch::linalg_cholesky_ex(covariance_);
  if (info.item<int64_t>() != 0) {
    throw DomainError(std::string(kGaussianTargetName) + ": covariance is not positive definite (Cholesky "
                      "fails at row " + std::to_string(info.item<int64_t>()) + ")");
  }
  auto P = torch::cholesky_inverse(L);
  precision_ = (0.5 * (P + P.t())).contiguous();
  minus_precision_ = (-precision_).contiguous();
  const double log_det = 2.0 * L.diagonal().log().sum().item<double>();
  log_normaliser_ = -0.5 * log_det - static_cast<double>(D) * detail::kHalfLog2Pi;
}

std::vector<model::Latent> GaussianTarget::latents() const { return {{"x", {dim()}}}; }

at::Tensor GaussianTarget::log_joint(const model::Draws& z, const model::Subsample&) const {
  const auto& x = z["x"];
  check_shape(kGaussianTargetName, "x", x, {x.size(0), dim()});
  auto d = x - mean_.to(x.scalar_type());
  return -0.5 * (d.matmul(precision_.to(x.scalar_type())) * d).sum(1) + log_normaliser_;
}

std::optional<model::JointAndGradient> GaussianTarget::log_joint_and_gradient(
    const model::Draws& z, const model::Subsample& /*data*/) const {
  const auto& x = z["x"];
  check_shape(kGaussianTargetName, "x", x, {x.size(0), dim()});
  if (x.scalar_type() != at::kDouble) {
    // Other dtypes: the same formulas with tensor ops.
    at::NoGradGuard no_grad;
    auto d = x.detach() - mean_.to(x.scalar_type());
    auto g = -d.matmul(precision_.to(x.scalar_type()));
    model::JointAndGradient out{0.5 * (g * d).sum(1) + log_normaliser_, {}};
    out.gradient.set("x", g);
    return out;
  }
  // d = x − μ, ∇ = −d Σ⁻¹ (one small product; Σ⁻¹ symmetric), log p = ½ d·∇ + c.
  const int64_t K = x.size(0), D = dim();
  const auto xc = x.detach().contiguous();
  auto d = at::empty({K, D}, xc.options());
  auto grad = at::empty({K, D}, xc.options());
  auto value = at::empty({K}, xc.options());
  centre(xc.data_ptr<double>(), mean_.data_ptr<double>(), K, D, d.data_ptr<double>());
  model::small_matmul(d.data_ptr<double>(), D, minus_precision_.data_ptr<double>(), D,
                      grad.data_ptr<double>(), D, K, D, D);
  log_density(d.data_ptr<double>(), grad.data_ptr<double>(), K, D, log_normaliser_,
              value.data_ptr<double>());
  model::JointAndGradient out{value, {}};
  out.gradient.set("x", grad);
  return out;
}

}  // namespace elbo::models
