#include "elbo/infer/posterior_draws.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/diagnostics/importance_resample.hpp"

namespace elbo::infer {

PosteriorDraws draw_posterior(const model::ConstrainedDensity& density, family::Family& q,
                              const PosteriorDrawsOptions& options) {
  check_option_positive("draw_posterior", "num_draws", static_cast<double>(options.num_draws));
  if (options.resample != "auto" && options.resample != "always" && options.resample != "never") {
    throw ConfigError("draw_posterior: resample is '" + options.resample +
                      "', but must be auto, always or never");
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

  // Non-finite log p (a draw outside where the model is defined) gets zero weight.
  auto log_ratio = (out.log_p - out.log_q).contiguous();
  std::vector<double> ratios(log_ratio.data_ptr<double>(),
                             log_ratio.data_ptr<double>() + log_ratio.numel());
  for (auto& r : ratios) {
    if (!std::isfinite(r)) r = -std::numeric_limits<double>::infinity();
  }
  out.psis = diagnostics::psis(ratios);

  const bool usable = std::isnan(out.psis.k_hat) ? false : out.psis.k_hat < out.psis.k_threshold;
  if (options.resample == "always" || (options.resample == "auto" && usable)) {
    auto picked = diagnostics::importance_resample(
        out.psis.log_weights,
        diagnostics::ImportanceResampleOptions().num_draws(options.num_draws).seed(options.seed + 1));
    auto index = torch::tensor(picked, torch::kLong);
    out.values = out.values.index_select(0, index);
    out.log_p = out.log_p.index_select(0, index);
    out.log_q = out.log_q.index_select(0, index);
    out.resampled = true;
  } else if (pool > 1) {
    out.values = out.values.narrow(0, 0, options.num_draws);
    out.log_p = out.log_p.narrow(0, 0, options.num_draws);
    out.log_q = out.log_q.narrow(0, 0, options.num_draws);
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
  return out;
}

}  // namespace elbo::infer
