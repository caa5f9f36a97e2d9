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

}  // namespace elbo::model
