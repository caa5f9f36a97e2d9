#include "elbo/objective/iwae_bound.hpp"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::objective {

ImportanceWeights importance_weights(const model::LogDensity& p, family::Family& q,
                                     const model::Subsample& data, int64_t num_draws,
                                     at::Generator gen, bool path_derivative,
                                     const char* function) {
  ImportanceWeights out;
  at::Tensor theta, log_p;
  if (q.prefers_weighted_draws()) {
    if (path_derivative) {
      throw ConfigError(std::string(function) + ": the doubly-reparameterised gradient needs plain draws, but the " +
                        q.family_name() +
                        " family draws weighted (stratified) samples; turn it off for this family");
    }
    auto draws = q.rsample_weighted(num_draws, gen);
    theta = draws.theta;
    log_p = p.log_prob(theta, data);
    out.log_w = log_p - draws.log_q;
    out.log_pi = draws.weight.log();
  } else {
    theta = q.rsample(num_draws, gen);
    log_p = p.log_prob(theta, data);
    out.log_w = log_p - q.log_prob(theta);
    out.log_pi = torch::full({theta.size(0)}, -std::log(static_cast<double>(theta.size(0))),
                             theta.options());
  }
  if (path_derivative) out.log_w_path = log_p - q.log_prob_stop_gradient(theta);
  // One read-back: a finite sum means every log p is finite.
  if (std::isfinite(log_p.detach().sum().item<double>())) return out;
  auto keep = torch::isfinite(log_p.detach());
  const int64_t kept = keep.sum().item<int64_t>();
  out.dropped = log_p.size(0) - kept;
  if (kept == 0) {
    throw NumericalError(std::string(function) + ": log p(x, θ) is not finite at any of the " +
                         std::to_string(log_p.size(0)) + " draws");
  }
  out.log_w = out.log_w.masked_select(keep);
  out.log_pi = out.log_pi.masked_select(keep);
  out.log_pi = out.log_pi - torch::logsumexp(out.log_pi, 0);
  if (path_derivative) out.log_w_path = out.log_w_path.masked_select(keep);
  return out;
}

IwaeBound::IwaeBound(IwaeBoundOptions options) : options_(options) {
  check_option_positive("IwaeBound", "num_draws", static_cast<double>(options_.num_draws()));
}

std::string IwaeBound::name() const { return "iwae:" + std::to_string(options_.num_draws()); }

Estimate IwaeBound::estimate(const model::LogDensity& p, family::Family& q,
                             const model::Subsample& data, at::Generator gen) {
  const bool dreg = options_.doubly_reparameterized();
  auto iw = importance_weights(p, q, data, options_.num_draws(), gen, dreg, "IwaeBound");
  // log Σ_k π_k w_k (π_k = 1/K for plain draws).
  auto terms = iw.log_pi + iw.log_w;
  auto bound = torch::logsumexp(terms, 0);
  Estimate out;
  out.dropped = iw.dropped;
  out.value = bound.item<double>();
  if (dreg) {
    // Tucker et al. 2019, eq. 7: Σ_k w̃_k² ∇_path log w_k, w̃ held constant.
    auto normalized = torch::softmax(terms.detach(), 0);
    auto s = (normalized.square() * iw.log_w_path).sum();
    out.surrogate = bound.detach() + (s - s.detach());
  } else {
    out.surrogate = bound;
  }
  return out;
}

}  // namespace elbo::objective
