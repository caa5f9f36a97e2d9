#include "elbo/objective/chi_upper_bound.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/objective/iwae_bound.hpp"

namespace elbo::objective {

ChiUpperBound::ChiUpperBound(ChiUpperBoundOptions options) : options_(options) {
  check_option_positive("ChiUpperBound", "num_draws", static_cast<double>(options_.num_draws()));
  if (!(std::isfinite(options_.n()) && options_.n() > 1.0)) {
    throw ConfigError(check_message("ChiUpperBound", "n", -1, options_.n(), "finite and greater than 1"));
  }
}

std::string ChiUpperBound::name() const { return fmt::format("chi:{}", options_.n()); }

Estimate ChiUpperBound::estimate(const model::LogDensity& p, family::Family& q,
                                 const model::Subsample& data, at::Generator gen) {
  const double n = options_.n();
  auto iw = importance_weights(p, q, data, options_.num_draws(), gen, false, "ChiUpperBound");
  Estimate out;
  out.dropped = iw.dropped;
  // n (log w_k − m) ≤ 0 with m = max_k log w_k: no overflow in exp.
  auto m = iw.log_w.detach().max();
  auto log_terms = iw.log_pi + n * (iw.log_w - m);
  auto log_sum = torch::logsumexp(log_terms, 0);
  auto cubo = log_sum / n + m;
  out.value = cubo.item<double>();
  out.surrogate = options_.log_surrogate() ? -cubo : -log_sum.exp();
  return out;
}

}  // namespace elbo::objective
