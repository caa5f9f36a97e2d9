#include "elbo/objective/reparam_elbo.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::objective {

ReparamElbo::ReparamElbo(ReparamElboOptions options) : options_(options) {
  check_option_positive("ReparamElbo", "num_draws", static_cast<double>(options_.num_draws()));
}

namespace {

// Keeps the draws with finite log p; throws when none is left.
at::Tensor finite_draws(const at::Tensor& log_p, int64_t& dropped) {
  auto finite = torch::isfinite(log_p);
  dropped = log_p.size(0) - finite.sum().item<int64_t>();
  if (dropped == log_p.size(0)) {
    throw NumericalError("elbo: log p(x, θ) is not finite at any of the " +
                         std::to_string(log_p.size(0)) + " draws");
  }
  return finite;
}

}  // namespace

Estimate ReparamElbo::estimate(const model::LogDensity& p, family::Family& q,
                               const model::Subsample& data, at::Generator gen) {
  auto theta = q.rsample(options_.num_draws(), gen);
  auto log_p = p.log_prob(theta, data);
  Estimate out;
  auto keep = finite_draws(log_p, out.dropped);
  at::Tensor bound;
  if (options_.stick_the_landing()) {
    auto log_ratio = log_p - q.log_prob_stop_gradient(theta);  // path derivative only
    bound = out.dropped ? log_ratio.masked_select(keep).mean() : log_ratio.mean();
  } else if (options_.analytic_entropy() && q.has_entropy()) {
    auto expected_log_p = out.dropped ? log_p.masked_select(keep).mean() : log_p.mean();
    bound = expected_log_p + q.entropy();
  } else {
    auto log_ratio = log_p - q.log_prob(theta);
    bound = out.dropped ? log_ratio.masked_select(keep).mean() : log_ratio.mean();
  }
  out.surrogate = bound;
  out.value = bound.item<double>();
  return out;
}

double elbo_value(const model::LogDensity& p, family::Family& q, int64_t num_draws,
                  at::Generator gen) {
  torch::NoGradGuard no_grad;
  auto theta = q.sample(num_draws, gen);
  auto log_p = p.log_prob(theta);
  int64_t dropped = 0;
  auto keep = finite_draws(log_p, dropped);
  if (q.has_entropy()) {
    return (log_p.masked_select(keep).mean() + q.entropy()).item<double>();
  }
  return (log_p - q.log_prob(theta)).masked_select(keep).mean().item<double>();
}

}  // namespace elbo::objective
