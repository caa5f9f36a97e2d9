#include "elbo/infer/posterior_draws.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/diagnostics/importance_resample.hpp"

namespace elbo::infer {

namespace {

// Constrained values plus derived quantities for θ [K, D].
at::Tensor constrained_with_derived(const model::ModelDensity& density, const at::Tensor& theta,
                                    std::vector<std::string>* names) {
  std::vector<std::string> derived_names;
  std::vector<at::Tensor> columns{density.constrained_flat(theta)};
  for (const auto& [name, value] : density.model().derived(density.constrain(theta))) {
    columns.push_back(model::flatten_column_major(value));
    auto names_of = model::cmdstan_names(name, std::vector<int64_t>(value.sizes().begin() + 1,
                                                                    value.sizes().end()));
    derived_names.insert(derived_names.end(), names_of.begin(), names_of.end());
  }
  if (names) {
    *names = density.constrained_names();
    names->insert(names->end(), derived_names.begin(), derived_names.end());
  }
  return torch::cat(columns, 1);
}

}  // namespace

PosteriorDraws draw_posterior(const model::ModelDensity& density, family::Family& q,
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
    values.push_back(constrained_with_derived(density, theta, c == 0 ? &out.names : nullptr));
  }
  out.log_p = torch::cat(log_p);
  out.log_q = torch::cat(log_q);
  out.values = torch::cat(values);
  out.mean_row = constrained_with_derived(density, q.mean().unsqueeze(0), nullptr).squeeze(0);

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

PosteriorDraws draws_from_particles(const model::ModelDensity& density, const at::Tensor& theta) {
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
  out.values = constrained_with_derived(density, draws, &out.names);
  out.mean_row = out.values.mean(0);
  out.psis.k_hat = std::numeric_limits<double>::quiet_NaN();
  out.psis.sigma_hat = std::numeric_limits<double>::quiet_NaN();
  out.psis.ess = std::numeric_limits<double>::quiet_NaN();
  return out;
}

}  // namespace elbo::infer
