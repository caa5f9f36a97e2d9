#include "elbo/bijector/identity.hpp"

#include <torch/torch.h>

namespace elbo::bijector {

at::Tensor Identity::forward(const at::Tensor& y) const { return y; }
at::Tensor Identity::inverse(const at::Tensor& x) const { return x; }
at::Tensor Identity::log_abs_det_jacobian(const at::Tensor& y) const {
  return torch::zeros_like(y);
}

}  // namespace elbo::bijector
