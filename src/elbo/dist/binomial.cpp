#include "elbo/dist/binomial.hpp"

#include <torch/torch.h>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> binomial_params(const Param& total_count, const Param& logits) {
  check_nonnegative_integer("binomial", "total_count", total_count);
  check_not_nan("binomial", "logits", logits);
  auto p = broadcast_params("binomial", {total_count.tensor(), logits.tensor()});
  p.push_back(p[1].sigmoid());
  return p;
}
}  // namespace

Binomial::Binomial(Param total_count, Param logits) : Binomial(binomial_params(total_count, logits)) {}

Binomial::Binomial(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      total_count_(std::move(params[0])),
      logits_(std::move(params[1])),
      probs_(std::move(params[2])) {}

Binomial Binomial::from_probs(Param total_count, Param probs) {
  check_nonnegative_integer("binomial", "total_count", total_count);
  check_probability("binomial", "probs", probs);
  auto p = broadcast_params("binomial", {total_count.tensor(), probs.tensor()});
  auto logits = p[1].log() - (-p[1]).log1p();
  return Binomial(std::vector<at::Tensor>{p[0], logits, p[1]});
}

at::Tensor Binomial::log_prob(const at::Tensor& value) const {
  const auto& n = total_count_;
  auto inside = is_integer(value) & (value >= 0) & (value <= n);
  auto k = inside_or(value.to(n.scalar_type()), inside, 0.0);
  auto zero = at::zeros_like(k);
  auto successes = at::where(k > 0, k * at::log_sigmoid(logits_), zero);
  auto failures = at::where(n - k > 0, (n - k) * at::log_sigmoid(-logits_), zero);
  auto lp = (n + 1).lgamma() - (k + 1).lgamma() - (n - k + 1).lgamma() + successes + failures;
  return mask_outside_support(lp, inside);
}

at::Tensor Binomial::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  auto shape = extended_shape(sample_shape);
  return at::binomial(total_count_.expand(shape).contiguous(),
                      probs_.expand(shape).contiguous(), gen);
}

at::Tensor Binomial::mean() const { return total_count_ * probs_; }

at::Tensor Binomial::variance() const { return total_count_ * probs_ * (1 - probs_); }

}  // namespace elbo::dist
