#include "elbo/bijector/softplus.hpp"

#include <torch/torch.h>

#include "elbo/bijector/support_check.hpp"

namespace elbo::bijector {

at::Tensor Softplus::forward(const at::Tensor& y) const {
  // log1p(exp(y)) is exact in double up to y = 40, beyond which it rounds to y.
  return torch::softplus(y, /*beta=*/1.0, /*threshold=*/40.0);
}

at::Tensor Softplus::inverse(const at::Tensor& x) const {
  detail::check_greater_than("Softplus::inverse", "x", x, 0.0);
  return x + torch::log(-torch::expm1(-x));
}

at::Tensor Softplus::log_abs_det_jacobian(const at::Tensor& y) const {
  return torch::log_sigmoid(y);
}

}  // namespace elbo::bijector
