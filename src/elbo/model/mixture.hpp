#pragma once
// Mixture building blocks for log_joint, batched over K draws and
// differentiable (Stan's log_mix and log_sum_exp; Stan Functions Reference,
// "Composed functions" / "Log mix").
//
//   // y_n ~ Σ_c θ_c N(μ_c, σ):  theta [K, C] simplex, mu [K, C], y [N]
//   auto lp = Normal(mu.unsqueeze(1), z.column("sigma").unsqueeze(2))
//                 .log_prob(y.view({1, -1, 1}));                      // [K, N, C]
//   auto loglik = log_mix(z["theta"].log(), lp).sum(-1);              // [K]
#include <ATen/core/Tensor.h>

namespace elbo::model {

/// log Σ_c exp(log_weights_c + component_log_probs_c) over the last dimension
/// (components C). component_log_probs is [..., C] with the draws first (e.g.
/// [K, C] or [K, N, C]); log_weights is [C] (shared by all draws), [K, C]
/// (one weight vector per draw, applied to every data point of a [K, N, C]
/// term) or already broadcastable to component_log_probs. Returns
/// component_log_probs' shape without its last dimension. −inf terms are
/// fine (a component with weight 0); the weights are not normalised here.
/// Throws DomainError when the component counts differ.
at::Tensor log_mix(const at::Tensor& log_weights, const at::Tensor& component_log_probs);

/// Stan's two-component log_mix(θ, lp1, lp2) = log(θ e^{lp1} + (1 − θ) e^{lp2}),
/// θ a probability of shape [K] (one per draw, aligned with the draws: it is
/// padded with trailing 1s to lp1's rank) or 0-dim; lp1 and lp2 [K] or [K, N].
at::Tensor log_mix(const at::Tensor& theta, const at::Tensor& lp1, const at::Tensor& lp2);

/// log Σ exp(x) over `dim` (default: the last), −inf when every term is −inf
/// (LibTorch's logsumexp; here so model code needs no torch/torch.h).
at::Tensor log_sum_exp(const at::Tensor& x, int64_t dim = -1);

/// t with trailing singleton dimensions appended until it has `rank`
/// dimensions: a per-draw [K] value aligned with a [K, N, ...] term (as
/// Draws::column does for one latent). Throws DomainError when t has more.
at::Tensor align_draws(const at::Tensor& t, int64_t rank);

}  // namespace elbo::model
