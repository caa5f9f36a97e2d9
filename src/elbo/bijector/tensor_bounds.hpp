#pragma once
// The lower/upper-bound transforms with bounds given as tensors instead of
// constants, for bounds that vary per draw (a latent whose bounds are
// functions of other latents, Stan's `real<lower=0, upper=1-alpha> beta`).
// `lower` and `upper` broadcast against y; an undefined tensor is no bound:
//   both:        x = L + (U − L)·σ(y),  log|dx/dy| = log(U − L) + log σ(y) + log σ(−y)
//   lower only:  x = L + exp(y),        log|dx/dy| = y
//   upper only:  x = U − exp(y),        log|dx/dy| = y
//   neither:     x = y,                 log|dx/dy| = 0
// (Stan reference manual, "Lower and upper bounded scalar"). Element-wise:
// every function returns y's (broadcast) shape. Gradients flow into L and U.
// Where U ≤ L the values are not finite, which a fit drops as a draw outside
// the support.
#include <ATen/core/Tensor.h>

namespace elbo::bijector {

at::Tensor bounded_forward(const at::Tensor& y, const at::Tensor& lower, const at::Tensor& upper);
/// Throws DomainError unless every x lies strictly inside its bounds.
at::Tensor bounded_inverse(const at::Tensor& x, const at::Tensor& lower, const at::Tensor& upper);
at::Tensor bounded_log_abs_det_jacobian(const at::Tensor& y, const at::Tensor& lower,
                                        const at::Tensor& upper);

}  // namespace elbo::bijector
