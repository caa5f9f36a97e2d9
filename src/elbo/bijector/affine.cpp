#include "elbo/bijector/affine.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {

Affine::Affine(at::Tensor loc, at::Tensor scale)
    : loc_(std::move(loc)), scale_(std::move(scale)) {
  check_finite("Affine", "loc", loc_);
  check_finite("Affine", "scale", scale_);
  auto zero = (scale_.detach() == 0).reshape({-1});
  if (zero.any().item<bool>()) {
    int64_t index = zero.nonzero().index({0, 0}).item<int64_t>();
    throw DomainError(check_message("Affine", "scale", scale_.numel() == 1 ? -1 : index, 0.0,
                                    "nonzero"));
  }
}

Affine::Affine(double loc, double scale)
    : Affine(torch::tensor(loc, torch::kDouble), torch::tensor(scale, torch::kDouble)) {}

at::Tensor Affine::forward(const at::Tensor& y) const { return loc_ + scale_ * y; }

at::Tensor Affine::inverse(const at::Tensor& x) const { return (x - loc_) / scale_; }

at::Tensor Affine::log_abs_det_jacobian(const at::Tensor& y) const {
  auto log_scale = torch::log(torch::abs(scale_));
  auto shape = at::infer_size(at::infer_size(y.sizes(), loc_.sizes()), scale_.sizes());
  // Same type promotion as forward(): zeros in y's dtype plus log|scale|.
  return torch::zeros(shape, y.options()) + log_scale;
}

}  // namespace elbo::bijector
