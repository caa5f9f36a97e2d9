#include "elbo/dist/multivariate_normal.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/dist/batched_linalg.hpp"
#include "elbo/dist/param.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::dist {

namespace {
constexpr const char* kName = "multivariate_normal";

void check_loc_and_matrix(const at::Tensor& loc, const at::Tensor& matrix, const char* name) {
  if (loc.dim() < 1) {
    throw DomainError(std::string(kName) + ": loc has shape " + shape_string(loc.sizes()) +
                      ", but must have at least one dimension");
  }
  if (matrix.dim() < 2 || matrix.size(-1) != loc.size(-1) ||
      matrix.size(-2) != loc.size(-1)) {
    throw DomainError(std::string(kName) + ": " + name + " has shape " +
                      shape_string(matrix.sizes()) + ", but must end in [" +
                      std::to_string(loc.size(-1)) + ", " + std::to_string(loc.size(-1)) +
                      "] to match loc of shape " + shape_string(loc.sizes()));
  }
}

// Broadcasts loc [..., D] and a matrix [..., D, D] over their batch dimensions.
std::vector<at::Tensor> broadcast_loc_matrix(at::Tensor loc, at::Tensor matrix) {
  auto dtype = floating_type({loc, matrix});
  loc = loc.to(dtype);
  matrix = matrix.to(dtype);
  auto d = loc.size(-1);
  auto batch = broadcast_shapes(kName, {loc.sizes().slice(0, loc.dim() - 1),
                                        matrix.sizes().slice(0, matrix.dim() - 2)});
  auto loc_shape = batch;
  loc_shape.push_back(d);
  auto matrix_shape = loc_shape;
  matrix_shape.push_back(d);
  return {loc.expand(loc_shape), matrix.expand(matrix_shape)};
}

std::vector<at::Tensor> multivariate_normal_params(at::Tensor loc, at::Tensor scale_tril) {
  check_loc_and_matrix(loc, scale_tril, "scale_tril");
  if (validate_args()) {
    elbo::check_finite(kName, "loc", loc);
    elbo::check_cholesky_factor(kName, "scale_tril", scale_tril);
  }
  return broadcast_loc_matrix(std::move(loc), std::move(scale_tril));
}
}  // namespace

MultivariateNormal::MultivariateNormal(at::Tensor loc, at::Tensor scale_tril)
    : MultivariateNormal(multivariate_normal_params(std::move(loc), std::move(scale_tril))) {}

MultivariateNormal::MultivariateNormal(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().slice(0, params[0].dim() - 1).vec(), {params[0].size(-1)}),
      loc_(std::move(params[0])),
      scale_tril_(std::move(params[1])) {}

MultivariateNormal MultivariateNormal::from_covariance(at::Tensor loc,
                                                       const at::Tensor& covariance) {
  check_loc_and_matrix(loc, covariance, "covariance");
  if (validate_args()) {
    elbo::check_finite(kName, "loc", loc);
    elbo::check_finite(kName, "covariance", covariance);
    elbo::check_symmetric(kName, "covariance", covariance);
  }
  auto params = broadcast_loc_matrix(std::move(loc), covariance);
  auto [tril, info] = at::linalg_cholesky_ex(params[1]);
  if ((info != 0).any().item<bool>()) {
    throw DomainError(std::string(kName) + ": covariance is not positive definite");
  }
  return MultivariateNormal(std::vector<at::Tensor>{params[0], tril});
}

at::Tensor MultivariateNormal::log_prob(const at::Tensor& value) const {
  auto z = batched_tril_solve(scale_tril_, value - loc_);
  return -0.5 * (z.square().sum(-1) + dim() * kLog2Pi) - half_log_det(scale_tril_);
}

at::Tensor MultivariateNormal::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor MultivariateNormal::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto eps = at::randn(extended_shape(sample_shape), gen, loc_.options());
  return loc_ + batched_matvec(scale_tril_, eps);
}

at::Tensor MultivariateNormal::entropy() const {
  return 0.5 * dim() * (1.0 + kLog2Pi) + half_log_det(scale_tril_);
}

at::Tensor MultivariateNormal::variance() const { return scale_tril_.square().sum(-1); }

at::Tensor MultivariateNormal::covariance_matrix() const {
  return at::matmul(scale_tril_, scale_tril_.transpose(-1, -2));
}

}  // namespace elbo::dist
