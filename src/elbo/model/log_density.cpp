#include "elbo/model/log_density.hpp"

#include <torch/torch.h>

namespace elbo::model {

LogProbAndGradient LogDensity::log_prob_and_gradient(const at::Tensor& theta,
                                                     const Subsample& data) const {
  torch::AutoGradMode grad_mode(true);
  auto x = theta.detach().requires_grad_(true);
  auto log_p = log_prob(x, data);
  at::Tensor grad;
  if (log_p.requires_grad()) {
    // ∂ Σ_k log p(θ_k) / ∂θ: row k of the gradient is ∇ log p(θ_k).
    grad = torch::autograd::grad({log_p}, {x}, {torch::ones_like(log_p)}, /*retain_graph=*/false,
                                 /*create_graph=*/false, /*allow_unused=*/true)[0];
  }
  if (!grad.defined()) grad = torch::zeros_like(x);  // log p does not depend on θ
  return {log_p.detach(), grad};
}

at::Tensor autograd_hessian(const LogDensity& density, const at::Tensor& theta, const Subsample& data) {
  torch::AutoGradMode grad_mode(true);
  const int64_t D = density.dim();
  auto x = theta.detach().clone().requires_grad_(true);
  auto lp = density.log_prob(x.unsqueeze(0), data).squeeze(0);
  auto H = torch::zeros({D, D}, theta.options());
  if (!lp.requires_grad()) return H;  // log p does not depend on θ
  auto g = torch::autograd::grad({lp}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true,
                                 /*allow_unused=*/true)[0];
  if (!g.defined() || !g.requires_grad()) return H;  // log p affine in θ: ∇² = 0
  for (int64_t i = 0; i < D; ++i) {
    auto row = torch::autograd::grad({g[i]}, {x}, {}, /*retain_graph=*/true,
                                     /*create_graph=*/false, /*allow_unused=*/true)[0];
    if (row.defined()) H[i].copy_(row.detach());
  }
  return 0.5 * (H + H.t());
}

at::Tensor LogDensity::hessian(const at::Tensor& theta) const { return autograd_hessian(*this, theta, all_data()); }

}  // namespace elbo::model
