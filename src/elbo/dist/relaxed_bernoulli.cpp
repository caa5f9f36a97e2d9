#include "elbo/dist/relaxed_bernoulli.hpp"

#include <torch/torch.h>

#include <limits>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> relaxed_bernoulli_params(const Param& temperature, const Param& logits) {
  check_positive_finite("relaxed_bernoulli", "temperature", temperature);
  check_not_nan("relaxed_bernoulli", "logits", logits);
  return broadcast_params("relaxed_bernoulli", {temperature.tensor(), logits.tensor()});
}
}  // namespace

RelaxedBernoulli::RelaxedBernoulli(Param temperature, Param logits)
    : RelaxedBernoulli(relaxed_bernoulli_params(temperature, logits)) {}

RelaxedBernoulli::RelaxedBernoulli(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      temperature_(std::move(params[0])),
      logits_(std::move(params[1])) {}

at::Tensor RelaxedBernoulli::probs() const { return logits_.sigmoid(); }

at::Tensor RelaxedBernoulli::log_prob(const at::Tensor& value) const {
  auto inside = (value > 0) & (value < 1);
  auto y = inside_or(value, inside, 0.5);
  auto log_y = y.log(), log_1my = (-y).log1p();
  const auto& lam = temperature_;
  // log λ + l − (λ+1)(log y + log(1−y)) − 2 log(α y^−λ + (1−y)^−λ)
  auto denom = at::logaddexp(logits_ - lam * log_y, -lam * log_1my);
  auto lp = lam.log() + logits_ - (lam + 1) * (log_y + log_1my) - 2 * denom;
  return mask_outside_support(lp, inside);
}

at::Tensor RelaxedBernoulli::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  const double lo = tiny(logits_);
  const double eps = logits_.scalar_type() == at::kFloat ? std::numeric_limits<float>::epsilon()
                                                         : std::numeric_limits<double>::epsilon();
  auto u = at::rand(shape, gen, logits_.options().requires_grad(false)).clamp(lo, 1 - eps);
  auto logistic = u.log() - (-u).log1p();
  return ((logits_ + logistic) / temperature_).sigmoid().clamp(lo, 1 - eps);
}

at::Tensor RelaxedBernoulli::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor RelaxedBernoulli::rsample_straight_through(at::IntArrayRef sample_shape,
                                                      at::Generator gen) const {
  auto soft = rsample(sample_shape, std::move(gen));
  auto hard = (soft > 0.5).to(soft.scalar_type());
  return hard + (soft - soft.detach());
}

at::Tensor RelaxedBernoulli::mean() const {
  return at::full(batch_shape(), std::numeric_limits<double>::quiet_NaN(), logits_.options());
}

at::Tensor RelaxedBernoulli::variance() const { return mean(); }

}  // namespace elbo::dist
