#include "elbo/dist/cauchy.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace elbo::dist {

namespace {
std::vector<at::Tensor> cauchy_params(const Param& loc, const Param& scale) {
  check_finite("cauchy", "loc", loc);
  check_positive_finite("cauchy", "scale", scale);
  return broadcast_params("cauchy", {loc.tensor(), scale.tensor()});
}
}  // namespace

Cauchy::Cauchy(Param loc, Param scale) : Cauchy(cauchy_params(loc, scale)) {}

Cauchy::Cauchy(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      loc_(std::move(params[0])),
      scale_(std::move(params[1])) {}

at::Tensor Cauchy::log_prob(const at::Tensor& value) const {
  auto z = (value - loc_) / scale_;
  return -std::log(M_PI) - scale_.log() - z.square().log1p();
}

at::Tensor Cauchy::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor Cauchy::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto u = at::rand(extended_shape(sample_shape), gen, loc_.options());
  return loc_ + scale_ * (M_PI * (u - 0.5)).tan();
}

at::Tensor Cauchy::entropy() const { return std::log(4 * M_PI) + scale_.log(); }

at::Tensor Cauchy::mean() const {
  return at::full(batch_shape(), std::numeric_limits<double>::quiet_NaN(), loc_.options());
}

at::Tensor Cauchy::variance() const {
  return at::full(batch_shape(), std::numeric_limits<double>::infinity(), loc_.options());
}

}  // namespace elbo::dist
