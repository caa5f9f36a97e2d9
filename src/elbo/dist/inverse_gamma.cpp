#include "elbo/dist/inverse_gamma.hpp"

#include <torch/torch.h>

#include <limits>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> inverse_gamma_params(const Param& concentration, const Param& scale) {
  check_positive_finite("inverse_gamma", "concentration", concentration);
  check_positive_finite("inverse_gamma", "scale", scale);
  return broadcast_params("inverse_gamma", {concentration.tensor(), scale.tensor()});
}
}  // namespace

InverseGamma::InverseGamma(Param concentration, Param scale)
    : InverseGamma(inverse_gamma_params(concentration, scale)) {}

InverseGamma::InverseGamma(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      concentration_(std::move(params[0])),
      scale_(std::move(params[1])) {}

at::Tensor InverseGamma::log_prob(const at::Tensor& value) const {
  auto inside = value > 0;
  auto x = inside_or(value, inside, 1.0);
  auto lp = concentration_ * scale_.log() - concentration_.lgamma() -
            (concentration_ + 1) * x.log() - scale_ / x;
  return mask_outside_support(lp, inside);
}

at::Tensor InverseGamma::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor InverseGamma::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto g = at::_standard_gamma(concentration_.expand(shape).contiguous(), gen);
  return scale_ / g.clamp_min(tiny(g));
}

at::Tensor InverseGamma::entropy() const {
  return concentration_ + scale_.log() + concentration_.lgamma() -
         (1.0 + concentration_) * concentration_.digamma();
}

at::Tensor InverseGamma::mean() const {
  auto a = inside_or(concentration_, concentration_ > 1, 2.0);
  auto inf = at::full_like(a, std::numeric_limits<double>::infinity());
  return at::where(concentration_ > 1, scale_ / (a - 1), inf);
}

at::Tensor InverseGamma::variance() const {
  auto a = inside_or(concentration_, concentration_ > 2, 3.0);
  auto inf = at::full_like(a, std::numeric_limits<double>::infinity());
  return at::where(concentration_ > 2, scale_.square() / ((a - 1).square() * (a - 2)), inf);
}

}  // namespace elbo::dist
