#include "elbo/dist/normal.hpp"
#include "elbo/core/math_constants.hpp"

#include <torch/torch.h>

#include <cmath>

namespace elbo::dist {

namespace {

std::vector<at::Tensor> normal_params(const Param& loc, const Param& scale) {
  check_finite("normal", "loc", loc);
  check_positive_finite("normal", "scale", scale);
  return broadcast_params("normal", {loc.tensor(), scale.tensor()});
}
}  // namespace

Normal::Normal(Param loc, Param scale) : Normal(normal_params(loc, scale)) {}

Normal::Normal(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      loc_(std::move(params[0])),
      scale_(std::move(params[1])) {}

at::Tensor Normal::log_prob(const at::Tensor& value) const {
  auto z = (value - loc_) / scale_;
  return -0.5 * z.square() - scale_.log() - kHalfLog2Pi;
}

at::Tensor Normal::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor Normal::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto eps = at::randn(extended_shape(sample_shape), gen, loc_.options());
  return loc_ + eps * scale_;
}

at::Tensor Normal::entropy() const { return 0.5 + kHalfLog2Pi + scale_.log(); }

}  // namespace elbo::dist
