#include "elbo/dist/exponential.hpp"

#include <torch/torch.h>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> exponential_params(const Param& rate) {
  check_positive_finite("exponential", "rate", rate);
  return {rate.tensor()};
}
}  // namespace

Exponential::Exponential(Param rate) : Exponential(exponential_params(rate)) {}

Exponential::Exponential(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}), rate_(std::move(params[0])) {}

at::Tensor Exponential::log_prob(const at::Tensor& value) const {
  auto inside = value >= 0;
  auto x = inside_or(value, inside, 0.0);
  return mask_outside_support(rate_.log() - rate_ * x, inside);
}

at::Tensor Exponential::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor Exponential::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto e = at::empty(extended_shape(sample_shape), rate_.options()).exponential_(1.0, gen);
  return e / rate_;
}

at::Tensor Exponential::entropy() const { return 1.0 - rate_.log(); }

}  // namespace elbo::dist
