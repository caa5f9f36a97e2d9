#include "elbo/objective/renyi_bound.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/objective/iwae_bound.hpp"

namespace elbo::objective {

RenyiBound::RenyiBound(RenyiBoundOptions options) : options_(options) {
  check_option_positive("RenyiBound", "num_draws", static_cast<double>(options_.num_draws()));
  if (options_.vr_max()) {
    if (options_.doubly_reparameterized()) {
      throw ConfigError(
          "RenyiBound: the doubly-reparameterised gradient is not defined for VR-max (α → −∞)");
    }
    return;
  }
  if (!std::isfinite(options_.alpha())) {
    throw ConfigError(check_message("RenyiBound", "alpha", -1, options_.alpha(), "finite"));
  }
  if (options_.alpha() == 1.0) {
    throw ConfigError(
        "RenyiBound: alpha is 1, but must be different from 1 (α = 1 is the ELBO: use objective 'elbo')");
  }
}

std::string RenyiBound::name() const {
  return options_.vr_max() ? "vrmax" : fmt::format("renyi:{}", options_.alpha());
}

Estimate RenyiBound::estimate(const model::LogDensity& p, family::Family& q,
                              const model::Subsample& data, at::Generator gen) {
  const bool dreg = options_.doubly_reparameterized();
  auto iw = importance_weights(p, q, data, options_.num_draws(), gen, dreg, "RenyiBound");
  Estimate out;
  out.dropped = iw.dropped;
  if (options_.vr_max()) {
    auto bound = iw.log_w.max();
    out.value = bound.item<double>();
    out.surrogate = bound;
    return out;
  }
  const double a1 = 1.0 - options_.alpha();
  // Shift by the weighted mean m = Σ π_k log w_k (constant for autograd): the
  // terms (1−α)(log w_k − m) are O(1−α), so (1/(1−α)) log Σ π_k exp(·) keeps
  // its digits as α → 1 and tends to m, the ELBO estimate.
  auto shift = (iw.log_pi.detach().exp() * iw.log_w.detach()).sum();
  auto terms = iw.log_pi + a1 * (iw.log_w - shift);
  auto bound = torch::logsumexp(terms, 0) / a1 + shift;
  out.value = bound.item<double>();
  if (dreg) {
    auto w = torch::softmax(terms.detach(), 0);  // ŵ ∝ π w^{1−α}
    auto coef = w - a1 * w * (1.0 - w);
    auto s = (coef * iw.log_w_path).sum();
    out.surrogate = bound.detach() + (s - s.detach());
  } else {
    out.surrogate = bound;
  }
  return out;
}

}  // namespace elbo::objective
