#pragma once
// Gaussian-process building blocks for log_joint, batched over K draws of the
// hyperparameters and differentiable in them (Stan Functions Reference,
// "Gaussian process covariance functions"). Inputs x are data: [N] (scalar
// inputs) or [N, P]; alpha (marginal sd) and rho (length scale) are [K] (one
// per draw) or 0-dim; the result is [K, N1, N2] ([N1, N2] for 0-dim
// hyperparameters). With d = ‖x_i − x_j‖:
//   exp_quad:  α² exp(−d² / (2ρ²))
//   matern32:  α² (1 + √3 d/ρ) exp(−√3 d/ρ)
//   matern52:  α² (1 + √5 d/ρ + 5d²/(3ρ²)) exp(−√5 d/ρ)
//   periodic:  α² exp(−2 sin²(π d / period) / ρ²)
// The one-input forms are the covariance of x with itself; the two-input
// forms the cross-covariance (prediction). Distances are not differentiated
// (x is data): a gradient with respect to x is not finite where d = 0 for the
// Matérn and periodic kernels.
//
//   auto L = gp_cholesky(exp_quad_kernel(x, z["alpha"], z["rho"]), 1e-9);  // [K, N, N]
//   lp = lp + MultivariateNormal(zero, /*scale_tril=*/L).log_prob(y);
#include <ATen/core/Tensor.h>

namespace elbo::model {

at::Tensor exp_quad_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho);
at::Tensor exp_quad_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho);
at::Tensor matern32_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho);
at::Tensor matern32_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho);
at::Tensor matern52_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho);
at::Tensor matern52_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho);
/// `period` > 0, a constant.
at::Tensor periodic_kernel(const at::Tensor& x, const at::Tensor& alpha, const at::Tensor& rho,
                           double period);
at::Tensor periodic_kernel(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& alpha,
                           const at::Tensor& rho, double period);

/// The lower Cholesky factor of cov + jitter·I, batched over leading
/// dimensions ([..., N, N]), differentiable. Throws NumericalError naming the
/// first failing matrix when one is not positive definite — so ModelDensity
/// drops that draw (log p = −inf) and keeps the others. Throws DomainError
/// for a negative or non-finite jitter or a non-square matrix.
at::Tensor gp_cholesky(const at::Tensor& cov, double jitter = 1e-9);

/// Pairwise squared Euclidean distances [N1, N2] of the rows of x1 and x2
/// ([N] inputs are one-dimensional points), exactly 0 for identical points.
at::Tensor squared_distances(const at::Tensor& x1, const at::Tensor& x2);

}  // namespace elbo::model
