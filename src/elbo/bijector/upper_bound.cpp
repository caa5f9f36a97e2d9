#include "elbo/bijector/upper_bound.hpp"

#include <torch/torch.h>

#include "elbo/bijector/support_check.hpp"
#include "elbo/core/check.hpp"

namespace elbo::bijector {

UpperBound::UpperBound(double upper) : upper_(upper) {
  check_finite("UpperBound", "upper", upper);
}

at::Tensor UpperBound::forward(const at::Tensor& y) const { return upper_ - torch::exp(y); }

at::Tensor UpperBound::inverse(const at::Tensor& x) const {
  detail::check_less_than("UpperBound::inverse", "x", x, upper_);
  return torch::log(upper_ - x);
}

at::Tensor UpperBound::log_abs_det_jacobian(const at::Tensor& y) const { return y.clone(); }

}  // namespace elbo::bijector
