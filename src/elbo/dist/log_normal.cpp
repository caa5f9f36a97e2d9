#include "elbo/dist/log_normal.hpp"

#include <torch/torch.h>

#include "elbo/dist/support.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::dist {

namespace {

std::vector<at::Tensor> log_normal_params(const Param& loc, const Param& scale) {
  check_finite("log_normal", "loc", loc);
  check_positive_finite("log_normal", "scale", scale);
  return broadcast_params("log_normal", {loc.tensor(), scale.tensor()});
}
}  // namespace

LogNormal::LogNormal(Param loc, Param scale) : LogNormal(log_normal_params(loc, scale)) {}

LogNormal::LogNormal(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      loc_(std::move(params[0])),
      scale_(std::move(params[1])) {}

at::Tensor LogNormal::log_prob(const at::Tensor& value) const {
  auto inside = value > 0;
  auto log_x = inside_or(value, inside, 1.0).log();
  auto z = (log_x - loc_) / scale_;
  return mask_outside_support(-0.5 * z.square() - scale_.log() - kHalfLog2Pi - log_x, inside);
}

at::Tensor LogNormal::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor LogNormal::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto eps = at::randn(extended_shape(sample_shape), gen, loc_.options());
  return (loc_ + eps * scale_).exp();
}

at::Tensor LogNormal::entropy() const { return loc_ + 0.5 + kHalfLog2Pi + scale_.log(); }

at::Tensor LogNormal::mean() const { return (loc_ + 0.5 * scale_.square()).exp(); }

at::Tensor LogNormal::variance() const {
  auto s2 = scale_.square();
  return s2.expm1() * (2 * loc_ + s2).exp();
}

}  // namespace elbo::dist
