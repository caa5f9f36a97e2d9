#include "elbo/amortized/planar_flow.hpp"

#include <torch/torch.h>

namespace elbo::amortized {

at::Tensor planar_u_hat(const at::Tensor& u, const at::Tensor& w) {
  auto wu = (w * u).sum(-1, /*keepdim=*/true);
  auto m = -1.0 + torch::softplus(wu);
  return u + (m - wu) * w / w.square().sum(-1, /*keepdim=*/true);
}

std::pair<at::Tensor, at::Tensor> planar_step(const at::Tensor& z, const at::Tensor& u,
                                              const at::Tensor& w, const at::Tensor& b) {
  auto u_hat = planar_u_hat(u, w);
  auto a = torch::tanh((z * w).sum(-1) + b);            // [K, N]
  auto z_new = z + u_hat * a.unsqueeze(-1);
  auto w_u_hat = (w * u_hat).sum(-1);                   // [N], ≥ −1
  auto log_det = torch::log(torch::abs(1.0 + (1.0 - a.square()) * w_u_hat));
  return {z_new, log_det};
}

}  // namespace elbo::amortized
