#pragma once
// Amortized planar flow step (Rezende & Mohamed 2015, eq. 10–12 and App. A.1):
//   z' = z + û tanh(wᵀz + b),   log|det ∂z'/∂z| = log|1 + ûᵀψ(z)|,  ψ = (1 − tanh²(wᵀz + b)) w,
// with the invertibility constraint û = u + (m(wᵀu) − wᵀu) w/‖w‖², m(a) = −1 + softplus(a),
// so that wᵀû ≥ −1. u, w, b are produced per data point by the encoder.
#include <ATen/core/Tensor.h>

#include <utility>

namespace elbo::amortized {

/// û from u, w ([N, D]).
at::Tensor planar_u_hat(const at::Tensor& u, const at::Tensor& w);

/// One step on z [K, N, D] with u, w [N, D] and b [N]: returns (z', log|det J|) with
/// log|det J| of shape [K, N].
std::pair<at::Tensor, at::Tensor> planar_step(const at::Tensor& z, const at::Tensor& u,
                                              const at::Tensor& w, const at::Tensor& b);

}  // namespace elbo::amortized
