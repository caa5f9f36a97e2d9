#pragma once
// Batched matrix helpers shared by the Gaussian distributions and their KLs.
// A vector argument v has shape sample + batch + [D]; rather than expanding a
// [batch, D, D] matrix over the sample dimensions (sample × D² memory), the
// sample dimensions are moved into the columns of one right-hand side.
#include <ATen/core/Tensor.h>

#include <functional>

namespace elbo::dist {

/// Applies `f` to v viewed as [batch..., D, N] (N = product of the leading
/// dimensions of v beyond `batch_ndim` + 1) and restores the layout:
/// the result has shape sample + batch' + [D'] where f returns [batch'..., D', N].
at::Tensor apply_to_columns(const at::Tensor& v, int64_t batch_ndim,
                            const std::function<at::Tensor(const at::Tensor&)>& f);

/// M v for M [batch..., P, D] and v [sample..., batch..., D] → [sample..., batch..., P].
at::Tensor batched_matvec(const at::Tensor& matrix, const at::Tensor& v);

/// L⁻¹ v for lower-triangular L [batch..., D, D] and v [sample..., batch..., D].
at::Tensor batched_tril_solve(const at::Tensor& tril, const at::Tensor& v);

/// Σ log L_ii over the last dimension of the diagonal: ½ log det(L Lᵀ).
at::Tensor half_log_det(const at::Tensor& tril);

}  // namespace elbo::dist
