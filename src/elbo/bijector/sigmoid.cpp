#include "elbo/bijector/sigmoid.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/bijector/support_check.hpp"
#include "elbo/core/check.hpp"

namespace elbo::bijector {

Sigmoid::Sigmoid(double lower, double upper) : lower_(lower), upper_(upper) {
  check_finite("Sigmoid", "lower", lower);
  check_finite("Sigmoid", "upper", upper);
  check_greater("Sigmoid", "upper", upper, lower);
}

at::Tensor Sigmoid::forward(const at::Tensor& y) const {
  // Measure from the nearer bound so that values close to either end keep
  // their relative precision: for y > 0 use b − (b − a)·σ(−y).
  const double width = upper_ - lower_;
  auto from_lower = lower_ + width * torch::sigmoid(y);
  auto from_upper = upper_ - width * torch::sigmoid(-y);
  return torch::where(y > 0, from_upper, from_lower);
}

at::Tensor Sigmoid::inverse(const at::Tensor& x) const {
  detail::check_open_interval("Sigmoid::inverse", "x", x, lower_, upper_);
  return torch::log(x - lower_) - torch::log(upper_ - x);
}

at::Tensor Sigmoid::log_abs_det_jacobian(const at::Tensor& y) const {
  return std::log(upper_ - lower_) + torch::log_sigmoid(y) + torch::log_sigmoid(-y);
}

}  // namespace elbo::bijector
