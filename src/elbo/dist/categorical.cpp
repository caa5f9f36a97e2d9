#include "elbo/dist/categorical.hpp"

#include <torch/torch.h>

#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/dist/param.hpp"
#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
void check_classes(const at::Tensor& t, const char* name) {
  if (t.dim() < 1 || t.size(-1) < 1) {
    throw DomainError(std::string("categorical: ") + name + " has shape " +
                      shape_string(t.sizes()) +
                      ", but must have at least one dimension of size >= 1");
  }
}

std::vector<at::Tensor> categorical_params(at::Tensor logits) {
  check_classes(logits, "logits");
  check_not_nan("categorical", "logits", Param(logits));
  logits = Param(std::move(logits)).tensor();
  if (validate_args() && !(logits < std::numeric_limits<double>::infinity()).all().item<bool>()) {
    throw DomainError("categorical: logits contain +inf, but must be below +inf");
  }
  auto normalised = logits - logits.logsumexp(-1, /*keepdim=*/true);
  return {normalised, normalised.exp()};
}
}  // namespace

Categorical::Categorical(at::Tensor logits) : Categorical(categorical_params(std::move(logits))) {}

Categorical::Categorical(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().slice(0, params[0].dim() - 1).vec(), {}),
      logits_(std::move(params[0])),
      probs_(std::move(params[1])) {}

Categorical Categorical::from_probs(const at::Tensor& probs) {
  check_classes(probs, "probs");
  if (validate_args()) elbo::check_simplex("categorical", "probs", probs, 1e-6);
  auto p = Param(probs).tensor();
  p = p / p.sum(-1, /*keepdim=*/true);
  return Categorical(std::vector<at::Tensor>{p.log(), p});
}

at::Tensor Categorical::log_prob(const at::Tensor& value) const {
  auto inside = is_integer(value) & (value >= 0) & (value < num_classes());
  auto index = at::where(inside, value, at::zeros_like(value)).to(at::kLong);
  auto shape = broadcast_shapes("categorical", {index.sizes(), batch_shape()});
  std::vector<int64_t> logits_shape = shape;
  logits_shape.push_back(num_classes());
  auto lp = logits_.expand(logits_shape).gather(-1, index.expand(shape).unsqueeze(-1)).squeeze(-1);
  return mask_outside_support(lp, inside);
}

at::Tensor Categorical::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  int64_t n = 1;
  for (auto s : sample_shape) n *= s;
  auto out_shape = extended_shape(sample_shape);
  if (n == 0) return at::empty(out_shape, at::TensorOptions().dtype(at::kLong));
  auto rows = probs_.reshape({-1, num_classes()});
  auto draws = at::multinomial(rows, n, /*replacement=*/true, gen);  // [B, n]
  return draws.t().reshape(out_shape);
}

at::Tensor Categorical::entropy() const {
  auto lowest = std::numeric_limits<double>::lowest();
  if (logits_.scalar_type() == at::kFloat) lowest = std::numeric_limits<float>::lowest();
  return -(probs_ * logits_.clamp_min(lowest)).sum(-1);
}

at::Tensor Categorical::mean() const {
  return at::full(batch_shape(), std::numeric_limits<double>::quiet_NaN(), logits_.options());
}

at::Tensor Categorical::variance() const { return mean(); }

}  // namespace elbo::dist
