#include "elbo/dist/relaxed_categorical.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
at::Tensor checked_logits(at::Tensor logits) {
  if (!logits.defined() || logits.dim() < 1 || logits.size(-1) < 1) {
    throw DomainError(std::string("relaxed_categorical: logits has shape ") +
                      (logits.defined() ? shape_string(logits.sizes()) : "undefined") +
                      ", but must have at least one dimension of size >= 1");
  }
  check_not_nan("relaxed_categorical", "logits", Param(logits));
  logits = Param(std::move(logits)).tensor();
  if (validate_args() && !(logits < std::numeric_limits<double>::infinity()).all().item<bool>()) {
    throw DomainError("relaxed_categorical: logits contain +inf, but must be below +inf");
  }
  return logits - logits.logsumexp(-1, /*keepdim=*/true);
}

at::Tensor checked_temperature(const Param& temperature, const at::Tensor& logits) {
  check_positive_finite("relaxed_categorical", "temperature", temperature);
  auto t = temperature.tensor().to(logits.scalar_type());
  std::vector<int64_t> batch(logits.sizes().begin(), logits.sizes().end() - 1);
  auto shape = broadcast_shapes("relaxed_categorical", {t.sizes(), at::IntArrayRef(batch)});
  if (shape != batch) {
    throw DomainError("relaxed_categorical: temperature has shape " + shape_string(t.sizes()) +
                      ", but must broadcast to the batch shape " + shape_string(batch));
  }
  return t.expand(batch).unsqueeze(-1);
}
}  // namespace

RelaxedCategorical::RelaxedCategorical(Param temperature, at::Tensor logits)
    : RelaxedCategorical(at::Tensor(), checked_logits(std::move(logits)), 0) {
  temperature_ = checked_temperature(temperature, logits_);
}

RelaxedCategorical::RelaxedCategorical(at::Tensor temperature, at::Tensor logits, int)
    : Distribution(logits.sizes().slice(0, logits.dim() - 1).vec(), {logits.size(-1)}),
      temperature_(std::move(temperature)),
      logits_(std::move(logits)) {}

at::Tensor RelaxedCategorical::log_prob(const at::Tensor& value) const {
  const int64_t C = num_classes();
  auto inside = ((value > 0).all(-1)) & ((value.sum(-1) - 1).abs() <= 1e-6);
  auto x = at::where(inside.unsqueeze(-1), value, at::full_like(value, 1.0 / double(C)));
  auto log_x = x.log();
  const auto& lam = temperature_;  // [..., 1]
  auto lp = std::lgamma(double(C)) + (C - 1) * lam.squeeze(-1).log() +
            (logits_ - (lam + 1) * log_x).sum(-1) -
            C * (logits_ - lam * log_x).logsumexp(-1);
  return mask_outside_support(lp, inside);
}

at::Tensor RelaxedCategorical::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  const double lo = tiny(logits_);
  const double eps = logits_.scalar_type() == at::kFloat ? std::numeric_limits<float>::epsilon()
                                                         : std::numeric_limits<double>::epsilon();
  auto u = at::rand(shape, gen, logits_.options().requires_grad(false)).clamp(lo, 1 - eps);
  auto gumbel = -(-u.log()).log();
  return ((logits_ + gumbel) / temperature_).softmax(-1).clamp_min(lo);
}

at::Tensor RelaxedCategorical::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor RelaxedCategorical::rsample_straight_through(at::IntArrayRef sample_shape,
                                                        at::Generator gen) const {
  auto soft = rsample(sample_shape, std::move(gen));
  auto hard = at::zeros_like(soft).scatter_(-1, soft.argmax(-1, /*keepdim=*/true), 1.0);
  return hard + (soft - soft.detach());
}

at::Tensor RelaxedCategorical::mean() const {
  return at::full(extended_shape({}), std::numeric_limits<double>::quiet_NaN(), logits_.options());
}

at::Tensor RelaxedCategorical::variance() const { return mean(); }

}  // namespace elbo::dist
