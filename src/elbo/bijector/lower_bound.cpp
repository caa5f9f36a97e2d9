#include "elbo/bijector/lower_bound.hpp"

#include <torch/torch.h>

#include "elbo/bijector/support_check.hpp"
#include "elbo/core/check.hpp"

namespace elbo::bijector {

LowerBound::LowerBound(double lower) : lower_(lower) {
  check_finite("LowerBound", "lower", lower);
}

at::Tensor LowerBound::forward(const at::Tensor& y) const { return lower_ + torch::exp(y); }

at::Tensor LowerBound::inverse(const at::Tensor& x) const {
  detail::check_greater_than("LowerBound::inverse", "x", x, lower_);
  return torch::log(x - lower_);
}

at::Tensor LowerBound::log_abs_det_jacobian(const at::Tensor& y) const { return y.clone(); }

}  // namespace elbo::bijector
