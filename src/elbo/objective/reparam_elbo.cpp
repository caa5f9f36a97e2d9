#include "elbo/objective/reparam_elbo.hpp"

#include <torch/torch.h>

#include <cmath>

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

// The ELBO on weighted draws (flows, mixtures): Σ_k w_k (log p − log q)_k,
// with the weights renormalised over the draws whose log p is finite.
Estimate weighted_estimate(const model::LogDensity& p, family::Family& q,
                           const model::Subsample& data, at::Generator gen,
                           const ReparamElboOptions& options) {
  auto draws = q.rsample_weighted(options.num_draws(), gen);
  auto log_p = p.log_prob(draws.theta, data);
  const bool stl = options.stick_the_landing();
  const bool analytic = !stl && options.analytic_entropy() && q.has_entropy();
  auto per_draw = stl ? log_p - q.log_prob_stop_gradient(draws.theta)
                      : analytic ? log_p : log_p - draws.log_q;
  auto weight = draws.weight;
  Estimate out;
  auto bound = (weight * per_draw).sum();
  out.value = bound.item<double>();
  if (!std::isfinite(out.value)) {
    auto keep = finite_draws(log_p, out.dropped);
    weight = weight * keep;
    weight = weight / weight.sum();
    bound = (weight * per_draw.masked_fill(keep.logical_not(), 0.0)).sum();
    out.value = bound.item<double>();
  }
  if (analytic) {
    bound = bound + q.entropy();
    out.value = bound.item<double>();
  }
  out.surrogate = bound;
  return out;
}

}  // namespace

Estimate ReparamElbo::estimate(const model::LogDensity& p, family::Family& q,
                               const model::Subsample& data, at::Generator gen) {
  if (q.prefers_weighted_draws()) return weighted_estimate(p, q, data, gen, options_);
  auto theta = q.rsample(options_.num_draws(), gen);
  auto log_p = p.log_prob(theta, data);
  const bool stl = options_.stick_the_landing();
  const bool analytic = !stl && options_.analytic_entropy() && q.has_entropy();
  // log p − log q per draw, or log p alone when the entropy is analytic.
  auto per_draw = stl ? log_p - q.log_prob_stop_gradient(theta)
                      : analytic ? log_p : log_p - q.log_prob(theta);
  Estimate out;
  // Fast path: a finite mean means every draw is finite (no masking, one read).
  // sum / K is mean() to the bit, and its backward divides by a double
  // (mean's divides by an integer, converted every call).
  auto bound = per_draw.sum().div(static_cast<double>(per_draw.size(0)));
  out.value = bound.item<double>();
  if (!std::isfinite(out.value)) {
    auto keep = finite_draws(log_p, out.dropped);
    if (out.dropped) {
      bound = per_draw.masked_select(keep).mean();
      out.value = bound.item<double>();
    }
  }
  if (analytic) {
    bound = bound + q.entropy();
    out.value = bound.item<double>();
  }
  out.surrogate = bound;
  return out;
}

double elbo_value(const model::LogDensity& p, family::Family& q, int64_t num_draws,
                  at::Generator gen) {
  torch::NoGradGuard no_grad;
  if (q.prefers_weighted_draws()) {
    auto draws = q.rsample_weighted(num_draws, gen);
    auto log_p = p.log_prob(draws.theta);
    int64_t dropped = 0;
    auto keep = finite_draws(log_p, dropped);
    auto weight = draws.weight * keep;
    auto per_draw = (log_p - draws.log_q).masked_fill(keep.logical_not(), 0.0);
    return ((weight * per_draw).sum() / weight.sum()).item<double>();
  }
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
