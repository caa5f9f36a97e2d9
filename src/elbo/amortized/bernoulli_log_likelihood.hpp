#pragma once
// The Bernoulli log-likelihood with logits, summed over pixels:
//   log p(x | l) = Σ_j x_j l_j − softplus(l_j),   ∂/∂l_j = x_j − σ(l_j),
// with softplus(l) = max(l, 0) + log1p(e^{−|l|}) (l itself above 20, as torch::softplus) and
// σ(l) from the same e^{−|l|}, in one
// pass forward (keeping σ) and one pass backward, instead of the five elementwise
// operations and their five backward ones of the plain expression. Values agree with
// (x * l − softplus(l)).sum(-1) to rounding.
#include <ATen/core/Tensor.h>

namespace elbo::amortized {

/// x [N, P] (data: no gradient), logits [..., N, P] → [..., N]. Falls back to the plain
/// autograd expression for other layouts, types or devices, or when x requires a gradient.
at::Tensor bernoulli_log_likelihood(const at::Tensor& x, const at::Tensor& logits);

}  // namespace elbo::amortized
