#pragma once
// Σ log N(x | μ, σ) over each draw's elements, for constant μ and σ — the
// normal prior of a latent — as ONE autograd node: value
//   −½ Σ_j ((x_kj − μ)/σ)² − n (log σ + ½ log 2π)   [K]
// and ∂/∂x = −(x − μ)/σ², instead of the half-dozen nodes of the same
// expression in tensor ops (each costs a few µs when a model is written in
// Python). The backward pass is written in differentiable ops, so second
// derivatives (Laplace's Hessian) are right.
#include <ATen/core/Tensor.h>

namespace elbo::model {

/// x [K, ...] (a [K] tensor: one element per draw); μ finite, σ > 0 and finite
/// (DomainError otherwise); floating dtype.
at::Tensor normal_prior_term(const at::Tensor& x, double loc, double scale);

}  // namespace elbo::model
