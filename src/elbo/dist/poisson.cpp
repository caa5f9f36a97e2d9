#include "elbo/dist/poisson.hpp"

#include <torch/torch.h>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> poisson_params(const Param& rate) {
  check_nonnegative_finite("poisson", "rate", rate);
  return {rate.tensor()};
}
}  // namespace

Poisson::Poisson(Param rate) : Poisson(poisson_params(rate)) {}

Poisson::Poisson(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}), rate_(std::move(params[0])) {}

at::Tensor Poisson::log_prob(const at::Tensor& value) const {
  auto inside = is_integer(value) & (value >= 0);
  auto k = inside_or(value.to(rate_.scalar_type()), inside, 0.0);
  return mask_outside_support(at::xlogy(k, rate_) - rate_ - (k + 1).lgamma(), inside);
}

at::Tensor Poisson::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return at::poisson(rate_.expand(extended_shape(sample_shape)).contiguous(), gen);
}

}  // namespace elbo::dist
