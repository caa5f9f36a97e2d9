#include "elbo/bijector/exp.hpp"

#include <torch/torch.h>

#include "elbo/bijector/support_check.hpp"

namespace elbo::bijector {

at::Tensor Exp::forward(const at::Tensor& y) const { return torch::exp(y); }

at::Tensor Exp::inverse(const at::Tensor& x) const {
  detail::check_greater_than("Exp::inverse", "x", x, 0.0);
  return torch::log(x);
}

at::Tensor Exp::log_abs_det_jacobian(const at::Tensor& y) const { return y.clone(); }

}  // namespace elbo::bijector
