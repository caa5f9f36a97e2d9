#include "elbo/infer/posterior_draws.hpp"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/diagnostics/importance_resample.hpp"
#include "elbo/diagnostics/pareto_k.hpp"
#include "elbo/infer/fit_reliability.hpp"

namespace elbo::infer {

bool psis_weights_usable(const PosteriorDraws& draws) {
  // k̂ = −inf (a bounded tail) passes; +inf and NaN do not.
  return draws.log_weights.defined() && !draws.resampled && draws.psis.k_hat < draws.psis.k_threshold;
}

namespace {

std::string count_text(int64_t n) { return std::to_string(n); }

// PSIS of the log ratios with k̂ never NaN: +inf and a reason when it cannot be
// estimated. Non-finite ratios must already be −inf.
diagnostics::PsisResult psis_or_inf(const std::vector<double>& ratios, int64_t finite,
                                    std::string& reason) {
  const auto s = static_cast<int64_t>(ratios.size());
  const double inf = std::numeric_limits<double>::infinity();
  diagnostics::PsisResult r;
  if (finite == 0) {
    r.k_hat = inf;
    r.sigma_hat = std::numeric_limits<double>::quiet_NaN();
    r.tail_length = diagnostics::psis_tail_length(s);
    r.k_threshold = diagnostics::pareto_k_threshold(s);
    r.log_weights.assign(ratios.size(), -inf);
    r.ess = 0;
    reason = "every one of the " + count_text(s) +
             " draws of q has a non-finite log density (or log q): no importance weight is positive";
    return r;
  }
  r = diagnostics::psis(ratios);
  if (finite <= r.tail_length) {
    reason = "only " + count_text(finite) + " of " + count_text(s) +
             " draws of q have a finite log density, too few for a Pareto tail of " +
             count_text(r.tail_length);
    r.k_hat = inf;
  } else if (std::isnan(r.k_hat)) {
    reason = r.tail_length < 5 ? count_text(s) + " draws are too few to fit the Pareto tail (a tail of >= 5 "
                                                 "needs at least 21 draws)"
                               : "the generalized Pareto fit of the tail failed";
    r.k_hat = inf;
  }
  return r;
}

}  // namespace

PosteriorDraws draw_posterior(const model::ConstrainedDensity& density, family::Family& q,
                              const PosteriorDrawsOptions& options) {
  check_option_positive("draw_posterior", "num_draws", static_cast<double>(options.num_draws));
  if (options.resample != "auto" && options.resample != "always" && options.resample != "never" &&
      options.resample != "force") {
    throw ConfigError("draw_posterior: resample is '" + options.resample +
                      "', but must be auto, always, never or force");
  }
  check_option_positive("draw_posterior", "resample_pool", static_cast<double>(options.resample_pool));
  torch::NoGradGuard no_grad;
  auto gen = make_generator(options.seed);
  PosteriorDraws out;
  const int64_t pool = options.resample == "never" ? 1 : options.resample_pool;
  // Chunks of num_draws bound the memory of log p (a GLM's [S, N] linear predictor).
  std::vector<at::Tensor> log_p, log_q, values;
  for (int64_t c = 0; c < pool; ++c) {
    auto theta = q.sample(options.num_draws, gen);
    log_p.push_back(density.log_prob(theta));
    log_q.push_back(q.log_prob(theta));
    values.push_back(density.output_values(theta, options.seed + 104729 * c));
  }
  out.log_p = torch::cat(log_p);
  out.log_q = torch::cat(log_q);
  out.values = torch::cat(values);
  out.names = density.output_names();
  out.mean_row = density.output_values(q.mean().unsqueeze(0), options.seed).squeeze(0);

  // Non-finite log p (a draw outside where the model is defined) or log q gets
  // zero weight, and is counted.
  auto log_ratio = (out.log_p - out.log_q).to(torch::kDouble).contiguous();
  std::vector<double> ratios(log_ratio.data_ptr<double>(),
                             log_ratio.data_ptr<double>() + log_ratio.numel());
  int64_t finite = 0;
  for (auto& r : ratios) {
    if (!std::isfinite(r)) {
      r = -std::numeric_limits<double>::infinity();
    } else {
      ++finite;
    }
  }
  out.pool_draws = static_cast<int64_t>(ratios.size());
  out.nonfinite_log_p = out.pool_draws - finite;
  out.psis = psis_or_inf(ratios, finite, out.k_hat_reason);

  const bool k_usable = out.psis.k_hat < out.psis.k_threshold;
  const bool wanted = options.resample == "always" || options.resample == "force" ||
                      (options.resample == "auto" && k_usable);
  const double min_ess = min_resample_ess(out.pool_draws);
  bool resample = wanted;
  if (wanted && finite == 0) {
    resample = false;
    out.resample_refused = true;
    out.resample_message = "no draw of q has a positive importance weight; the draws are q's own";
  } else if (wanted && options.resample != "force" && !(out.psis.ess >= min_ess)) {
    resample = false;
    out.resample_refused = true;
    char text[160];
    std::snprintf(text, sizeof text,
                  "the importance ESS is %.3g (< %.3g of %lld draws): resampling would return copies "
                  "of a few draws, so the draws are q's own",
                  out.psis.ess, min_ess, static_cast<long long>(out.pool_draws));
    out.resample_message = text;
  }
  if (resample) {
    auto picked = diagnostics::importance_resample(
        out.psis.log_weights,
        diagnostics::ImportanceResampleOptions().num_draws(options.num_draws).seed(options.seed + 1));
    auto index = torch::tensor(picked, torch::kLong);
    out.values = out.values.index_select(0, index);
    out.log_p = out.log_p.index_select(0, index);
    out.log_q = out.log_q.index_select(0, index);
    out.resampled = true;
    return out;
  }
  if (pool > 1) {
    out.values = out.values.narrow(0, 0, options.num_draws);
    out.log_p = out.log_p.narrow(0, 0, options.num_draws);
    out.log_q = out.log_q.narrow(0, 0, options.num_draws);
  }
  if (out.psis.k_hat != std::numeric_limits<double>::infinity()) {
    auto lw = torch::tensor(out.psis.log_weights, torch::kDouble).narrow(0, 0, options.num_draws);
    const double total = torch::logsumexp(lw, 0).item<double>();
    if (std::isfinite(total)) out.log_weights = lw - total;
  }
  return out;
}

PosteriorDraws draws_from_particles(const model::ConstrainedDensity& density, const at::Tensor& theta) {
  check_dim("draws_from_particles", "theta", theta, 2);
  if (theta.size(1) != density.dim() || theta.size(0) == 0) {
    throw DomainError("draws_from_particles: theta is [" + std::to_string(theta.size(0)) + ", " +
                      std::to_string(theta.size(1)) + "], but must be [S > 0, " +
                      std::to_string(density.dim()) + "]");
  }
  torch::NoGradGuard no_grad;
  PosteriorDraws out;
  auto draws = theta.detach().to(torch::kDouble);
  out.log_p = density.log_prob(draws);
  out.log_q = torch::full({draws.size(0)}, std::numeric_limits<double>::quiet_NaN(),
                          draws.options());
  out.values = density.output_values(draws, 1);
  out.names = density.output_names();
  out.mean_row = out.values.mean(0);
  out.psis.k_hat = std::numeric_limits<double>::quiet_NaN();
  out.psis.sigma_hat = std::numeric_limits<double>::quiet_NaN();
  out.psis.ess = std::numeric_limits<double>::quiet_NaN();
  out.k_hat_reason = "no density q (the method gives draws, not a density): k-hat is not defined";
  out.pool_draws = draws.size(0);
  out.nonfinite_log_p = (~torch::isfinite(out.log_p)).sum().item<int64_t>();
  return out;
}

}  // namespace elbo::infer
