#include "elbo/objective/auxiliary_elbo.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/family/hierarchical_family.hpp"

namespace elbo::objective {

namespace {

family::HierarchicalFamily& as_hierarchical(family::Family& q) {
  auto* h = dynamic_cast<family::HierarchicalFamily*>(&q);
  if (h == nullptr) {
    throw ConfigError("auxiliary_elbo: needs the hierarchical family (--family hierarchical), got '" +
                      q.family_name() + "'");
  }
  return *h;
}

// Per-draw log p + log r − log q(θ|ν) − log q(ν), its mean over the draws with
// finite log p (throws NumericalError when there is none).
Estimate bound(const model::LogDensity& p, family::HierarchicalFamily& q,
               const model::Subsample& data, int64_t num_draws, at::Generator gen) {
  auto draws = q.rsample_auxiliary(num_draws, gen);
  auto log_p = p.log_prob(draws.theta, data);
  auto per_draw = log_p + draws.log_r - draws.log_q_theta_given_nu - draws.log_q_nu;
  Estimate out;
  auto value = per_draw.sum().div(static_cast<double>(num_draws));
  out.value = value.item<double>();
  if (!std::isfinite(out.value)) {
    auto keep = torch::isfinite(log_p);
    out.dropped = num_draws - keep.sum().item<int64_t>();
    if (out.dropped == num_draws) {
      throw NumericalError("auxiliary_elbo: log p(x, θ) is not finite at any of the " +
                           std::to_string(num_draws) + " draws");
    }
    if (out.dropped > 0) {
      value = per_draw.masked_select(keep).mean();
      out.value = value.item<double>();
    }
  }
  out.surrogate = value;
  return out;
}

}  // namespace

AuxiliaryElbo::AuxiliaryElbo(AuxiliaryElboOptions options) : options_(options) {
  check_option_positive("AuxiliaryElbo", "num_draws", static_cast<double>(options_.num_draws()));
}

Estimate AuxiliaryElbo::estimate(const model::LogDensity& p, family::Family& q,
                                 const model::Subsample& data, at::Generator gen) {
  return bound(p, as_hierarchical(q), data, options_.num_draws(), gen);
}

double auxiliary_elbo_value(const model::LogDensity& p, family::HierarchicalFamily& q,
                            int64_t num_draws, at::Generator gen) {
  check_option_positive("auxiliary_elbo_value", "num_draws", static_cast<double>(num_draws));
  torch::NoGradGuard no_grad;
  const int64_t M = p.num_data();
  return bound(p, q, model::Subsample::all(M > 0 ? M : 1), num_draws, gen).value;
}

}  // namespace elbo::objective
