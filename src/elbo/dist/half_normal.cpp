#include "elbo/dist/half_normal.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> half_normal_params(const Param& scale) {
  check_positive_finite("half_normal", "scale", scale);
  return {scale.tensor()};
}
}  // namespace

HalfNormal::HalfNormal(Param scale) : HalfNormal(half_normal_params(scale)) {}

HalfNormal::HalfNormal(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}), scale_(std::move(params[0])) {}

at::Tensor HalfNormal::log_prob(const at::Tensor& value) const {
  auto inside = value >= 0;
  auto x = inside_or(value, inside, 0.0);
  auto z = x / scale_;
  return mask_outside_support(0.5 * std::log(2.0 / M_PI) - scale_.log() - 0.5 * z.square(),
                              inside);
}

at::Tensor HalfNormal::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor HalfNormal::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto eps = at::randn(extended_shape(sample_shape), gen, scale_.options());
  return (eps * scale_).abs();
}

at::Tensor HalfNormal::entropy() const {
  return 0.5 * std::log(M_PI / 2.0) + scale_.log() + 0.5;
}

at::Tensor HalfNormal::mean() const { return scale_ * std::sqrt(2.0 / M_PI); }

at::Tensor HalfNormal::variance() const { return scale_.square() * (1.0 - 2.0 / M_PI); }

}  // namespace elbo::dist
