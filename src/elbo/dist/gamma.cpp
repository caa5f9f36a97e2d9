#include "elbo/dist/gamma.hpp"

#include <torch/torch.h>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> gamma_params(const Param& concentration, const Param& rate) {
  check_positive_finite("gamma", "concentration", concentration);
  check_positive_finite("gamma", "rate", rate);
  return broadcast_params("gamma", {concentration.tensor(), rate.tensor()});
}
}  // namespace

Gamma::Gamma(Param concentration, Param rate) : Gamma(gamma_params(concentration, rate)) {}

Gamma::Gamma(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      concentration_(std::move(params[0])),
      rate_(std::move(params[1])) {}

at::Tensor Gamma::log_prob(const at::Tensor& value) const {
  auto inside = value >= 0;
  auto x = inside_or(value, inside, 1.0);
  // xlogy gives 0 · log 0 = 0 at x = 0 when α = 1.
  auto lp = at::xlogy(concentration_, rate_) + at::xlogy(concentration_ - 1, x) - rate_ * x -
            concentration_.lgamma();
  return mask_outside_support(lp, inside);
}

at::Tensor Gamma::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor Gamma::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto g = at::_standard_gamma(concentration_.expand(shape).contiguous(), gen);
  return g.clamp_min(tiny(g)) / rate_;
}

at::Tensor Gamma::entropy() const {
  return concentration_ - rate_.log() + concentration_.lgamma() +
         (1.0 - concentration_) * concentration_.digamma();
}

at::Tensor Gamma::mean() const { return concentration_ / rate_; }

at::Tensor Gamma::variance() const { return concentration_ / rate_.square(); }

}  // namespace elbo::dist
