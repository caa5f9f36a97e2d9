#include "elbo/dist/bernoulli.hpp"

#include <torch/torch.h>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
at::Tensor checked_logits(const Param& logits) {
  check_not_nan("bernoulli", "logits", logits);
  return broadcast_params("bernoulli", {logits.tensor()})[0];
}
}  // namespace

Bernoulli::Bernoulli(Param logits) : Bernoulli(checked_logits(logits), at::Tensor()) {}

Bernoulli::Bernoulli(at::Tensor logits, at::Tensor probs)
    : Distribution(logits.sizes().vec(), {}),
      logits_(std::move(logits)),
      probs_(probs.defined() ? std::move(probs) : logits_.sigmoid()) {}

Bernoulli Bernoulli::from_probs(Param probs) {
  check_probability("bernoulli", "probs", probs);
  auto p = broadcast_params("bernoulli", {probs.tensor()})[0];
  return Bernoulli(p.log() - (-p).log1p(), p);
}

at::Tensor Bernoulli::log_prob(const at::Tensor& value) const {
  auto one = value == 1;
  auto inside = one | (value == 0);
  auto lp = at::where(one, at::log_sigmoid(logits_), at::log_sigmoid(-logits_));
  return mask_outside_support(lp, inside);
}

at::Tensor Bernoulli::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return at::bernoulli(probs_.expand(extended_shape(sample_shape)), gen);
}

at::Tensor Bernoulli::entropy() const {
  auto zero = at::zeros_like(probs_);
  auto t1 = at::where(probs_ > 0, probs_ * at::log_sigmoid(logits_), zero);
  auto t0 = at::where(probs_ < 1, (1 - probs_) * at::log_sigmoid(-logits_), zero);
  return -(t1 + t0);
}

at::Tensor Bernoulli::variance() const { return probs_ * (1 - probs_); }

}  // namespace elbo::dist
