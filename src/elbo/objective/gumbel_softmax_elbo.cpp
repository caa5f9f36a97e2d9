#include "elbo/objective/gumbel_softmax_elbo.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::objective {

GumbelSoftmaxElbo::GumbelSoftmaxElbo(GumbelSoftmaxElboOptions options) : options_(options) {
  const char* fn = "GumbelSoftmaxElbo";
  check_option_positive(fn, "num_draws", static_cast<double>(options_.num_draws()));
  auto positive_finite = [fn](const char* name, double value) {
    if (!(value > 0) || !std::isfinite(value)) {
      throw ConfigError(check_message(fn, name, -1, value, "positive and finite"));
    }
  };
  positive_finite("temperature", options_.temperature());
  positive_finite("min_temperature", options_.min_temperature());
  const double r = options_.anneal_rate();
  if (!(r >= 0) || !std::isfinite(r)) {
    throw ConfigError(check_message(fn, "anneal_rate", -1, r, "nonnegative and finite"));
  }
}

std::string GumbelSoftmaxElbo::name() const {
  std::ostringstream out;
  out << "gumbel:" << options_.temperature();
  if (options_.anneal_rate() > 0) {
    out << "+anneal:" << options_.anneal_rate() << "+min:" << options_.min_temperature();
  }
  if (options_.straight_through()) out << "+st";
  return out.str();
}

int64_t GumbelSoftmaxElbo::schedule_steps() const {
  const double t0 = options_.temperature(), t_min = options_.min_temperature();
  if (options_.anneal_rate() == 0 || t0 <= t_min) return 0;
  return static_cast<int64_t>(std::ceil(std::log(t0 / t_min) / options_.anneal_rate()));
}

double GumbelSoftmaxElbo::temperature_at(int64_t step) const {
  const double t0 = options_.temperature();
  if (options_.anneal_rate() == 0) return t0;
  const double floor = std::min(options_.min_temperature(), t0);
  return std::max(floor, t0 * std::exp(-options_.anneal_rate() * static_cast<double>(step)));
}

Estimate GumbelSoftmaxElbo::estimate(const model::LogDensity& p, family::Family& q,
                                     const model::Subsample& data, at::Generator gen) {
  if (!q.has_entropy()) {
    throw DomainError("gumbel: the family '" + q.family_name() +
                      "' has no analytic entropy, which the relaxed bound needs");
  }
  const double tau = temperature_at(step_);
  ++step_;
  auto theta = q.rsample_relaxed(options_.num_draws(), tau, options_.straight_through(), gen);
  auto log_p = p.log_prob(theta, data);
  Estimate out;
  auto finite = torch::isfinite(log_p);
  const int64_t kept = finite.sum().item<int64_t>();
  out.dropped = log_p.size(0) - kept;
  if (kept == 0) {
    throw NumericalError("gumbel: log p(x, θ) is not finite at any of the " +
                         std::to_string(log_p.size(0)) + " relaxed draws");
  }
  auto mean_log_p = out.dropped ? log_p.masked_select(finite).mean() : log_p.mean();
  auto bound = mean_log_p + q.entropy();
  out.value = bound.item<double>();
  out.surrogate = bound;
  return out;
}

}  // namespace elbo::objective
