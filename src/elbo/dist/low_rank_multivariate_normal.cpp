#include "elbo/dist/low_rank_multivariate_normal.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/dist/batched_linalg.hpp"
#include "elbo/dist/param.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::dist {

namespace {
constexpr const char* kName = "low_rank_multivariate_normal";

std::vector<at::Tensor> low_rank_multivariate_normal_params(at::Tensor loc, at::Tensor cov_factor, at::Tensor cov_diag) {
  if (loc.dim() < 1) {
    throw DomainError(std::string(kName) + ": loc has shape " + shape_string(loc.sizes()) +
                      ", but must have at least one dimension");
  }
  const int64_t d = loc.size(-1);
  if (cov_factor.dim() < 2 || cov_factor.size(-2) != d) {
    throw DomainError(std::string(kName) + ": cov_factor has shape " +
                      shape_string(cov_factor.sizes()) + ", but must be [..., " +
                      std::to_string(d) + ", rank] to match loc of shape " +
                      shape_string(loc.sizes()));
  }
  if (cov_diag.dim() < 1 || cov_diag.size(-1) != d) {
    throw DomainError(std::string(kName) + ": cov_diag has shape " +
                      shape_string(cov_diag.sizes()) + ", but must be [..., " +
                      std::to_string(d) + "] to match loc of shape " +
                      shape_string(loc.sizes()));
  }
  if (validate_args()) {
    elbo::check_finite(kName, "loc", loc);
    elbo::check_finite(kName, "cov_factor", cov_factor);
    elbo::check_positive_finite(kName, "cov_diag", cov_diag);
  }
  auto dtype = floating_type({loc, cov_factor, cov_diag});
  auto batch = broadcast_shapes(kName, {loc.sizes().slice(0, loc.dim() - 1),
                                        cov_factor.sizes().slice(0, cov_factor.dim() - 2),
                                        cov_diag.sizes().slice(0, cov_diag.dim() - 1)});
  auto vec_shape = batch;
  vec_shape.push_back(d);
  auto factor_shape = vec_shape;
  factor_shape.push_back(cov_factor.size(-1));
  auto w = cov_factor.to(dtype).expand(factor_shape);
  auto diag = cov_diag.to(dtype).expand(vec_shape);
  // C = I + Wᵀ D⁻¹ W.
  auto wt_dinv = (w / diag.unsqueeze(-1)).transpose(-1, -2);
  auto capacitance = at::matmul(wt_dinv, w);
  capacitance = capacitance + at::eye(w.size(-1), capacitance.options());
  auto tril = at::linalg_cholesky(capacitance);
  return {loc.to(dtype).expand(vec_shape), w, diag, tril};
}
}  // namespace

LowRankMultivariateNormal::LowRankMultivariateNormal(at::Tensor loc, at::Tensor cov_factor,
                                                     at::Tensor cov_diag)
    : LowRankMultivariateNormal(
          low_rank_multivariate_normal_params(std::move(loc), std::move(cov_factor), std::move(cov_diag))) {}

LowRankMultivariateNormal::LowRankMultivariateNormal(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().slice(0, params[0].dim() - 1).vec(), {params[0].size(-1)}),
      loc_(std::move(params[0])),
      cov_factor_(std::move(params[1])),
      cov_diag_(std::move(params[2])),
      capacitance_tril_(std::move(params[3])) {}

at::Tensor LowRankMultivariateNormal::mahalanobis(const at::Tensor& diff) const {
  auto scaled = diff / cov_diag_;  // D⁻¹ x
  auto wt = cov_factor_.transpose(-1, -2);
  auto proj = batched_tril_solve(capacitance_tril_, batched_matvec(wt, scaled));  // L_C⁻¹ Wᵀ D⁻¹ x
  return (diff * scaled).sum(-1) - proj.square().sum(-1);
}

at::Tensor LowRankMultivariateNormal::log_det_covariance() const {
  return 2 * half_log_det(capacitance_tril_) + cov_diag_.log().sum(-1);
}

at::Tensor LowRankMultivariateNormal::log_prob(const at::Tensor& value) const {
  return -0.5 * (dim() * kLog2Pi + log_det_covariance() + mahalanobis(value - loc_));
}

at::Tensor LowRankMultivariateNormal::sample(at::IntArrayRef sample_shape,
                                             at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor LowRankMultivariateNormal::rsample(at::IntArrayRef sample_shape,
                                              at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto low_shape = shape;
  low_shape.back() = rank();
  auto eps_w = at::randn(low_shape, gen, loc_.options());
  auto eps_d = at::randn(shape, gen, loc_.options());
  return loc_ + batched_matvec(cov_factor_, eps_w) + cov_diag_.sqrt() * eps_d;
}

at::Tensor LowRankMultivariateNormal::entropy() const {
  return 0.5 * (dim() * (1.0 + kLog2Pi) + log_det_covariance());
}

at::Tensor LowRankMultivariateNormal::variance() const {
  return cov_factor_.square().sum(-1) + cov_diag_;
}

at::Tensor LowRankMultivariateNormal::covariance_matrix() const {
  return at::matmul(cov_factor_, cov_factor_.transpose(-1, -2)) + at::diag_embed(cov_diag_);
}

}  // namespace elbo::dist
