#include "fit_auto.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/infer/fit_reliability.hpp"
#include "elbo/infer/posterior_draws.hpp"
#include "fit_methods.hpp"
#include "fit_runner.hpp"

namespace elbo_cli {

namespace {

std::string rung_label(const FitCliOptions& o) {
  if (o.method != "advi") return o.method;
  return "advi " + o.family + (o.objective == "elbo" ? "" : " " + o.objective);
}

}  // namespace

std::vector<FitCliOptions> auto_ladder(const FitCliOptions& base) {
  std::vector<FitCliOptions> ladder;
  auto rung = [&](const std::string& method, const std::string& family, const std::string& objective,
                  const std::string& resample) {
    FitCliOptions o = base;
    o.method = method;
    o.family = family;
    o.objective = objective;
    o.resample = resample;
    ladder.push_back(o);
  };
  rung("advi", "fullrank", "elbo", base.resample);
  rung("pathfinder", "fullrank", "elbo", "auto");
  rung("advi", "flow:iaf*4", "elbo", base.resample);
  rung("advi", "mixture:8", "renyi:0.5", "auto");
  return ladder;
}

MethodFit fit_auto(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
                   const FitCliOptions& options, const MethodProgress& progress,
                   const at::Tensor& init) {
  if (options.resume) throw elbo::ConfigError("--resume applies to --method advi (it is 'auto')");
  const auto start = std::chrono::steady_clock::now();
  const auto ladder = auto_ladder(options);
  nlohmann::json rungs = nlohmann::json::array();
  MethodFit chosen;
  bool have_chosen = false, chosen_reliable = false;
  double chosen_rank = std::numeric_limits<double>::infinity();
  int64_t chosen_index = -1;
  std::vector<FitCliOptions> rungs_to_try = ladder;
  std::vector<std::string> labels;
  for (const auto& o : ladder) labels.push_back(rung_label(o));
  std::vector<at::Tensor> inits(ladder.size(), init);
  bool restarted_at_mode = false;
  for (size_t r = 0; r < rungs_to_try.size(); ++r) {
    FitCliOptions o = rungs_to_try[r];
    const at::Tensor& rung_init = inits[r];
    const double left = options.budget > 0 ? options.budget - seconds_since(start)
                                           : std::numeric_limits<double>::infinity();
    if (left <= 0) break;
    o.budget = std::isfinite(left) ? left : 0;
    const auto rung_start = std::chrono::steady_clock::now();
    nlohmann::json entry = {{"rung", static_cast<int64_t>(r + 1)}, {"method", labels[r]}};
    try {
      auto fit = fit_method(density, o, progress, rung_init);
      // Judge it as the runner will: q's draws, k̂, the verdict.
      elbo::infer::PosteriorDrawsOptions draw_options;
      draw_options.num_draws = options.draws;
      draw_options.resample = "never";
      draw_options.seed = options.seed + 7919;
      auto draws = fit.q ? elbo::infer::draw_posterior(*fit.density, *fit.q, draw_options)
                         : elbo::infer::draws_from_particles(*fit.density, fit.particles);
      const auto inputs = verdict_inputs(fit, draws, o);
      const auto verdict = elbo::infer::assess_reliability(inputs);
      entry["converged"] = fit.converged;
      entry["convergence"] = fit.message;
      entry["start"] = fit.start;
      entry["pareto_k"] = k_hat_json(draws.psis.k_hat);
      entry["reliable"] = verdict.reliable;
      entry["reasons"] = verdict.reasons;
      entry["seconds"] = seconds_since(rung_start);
      rungs.push_back(entry);
      // Rank the unreliable: converged first, then by k̂.
      const double k = std::isnan(draws.psis.k_hat) ? std::numeric_limits<double>::infinity()
                                                     : draws.psis.k_hat;
      const double rank = verdict.reliable ? -1.0 : (fit.converged ? 0.0 : 1e6) + std::min(k, 1e5);
      if (!have_chosen || rank < chosen_rank) {
        chosen = fit;
        chosen.resample = o.resample;
        chosen_rank = rank;
        chosen_index = static_cast<int64_t>(r);
        chosen_reliable = verdict.reliable;
        have_chosen = true;
      }
      if (verdict.reliable) break;
      // A higher mode outside q: the next rung is the default again, started there
      // (the ODE posterior whose L-BFGS from 0 stops at a poor local mode).
      if (inputs.missed_mode && !inputs.missed_mode_point.empty() && !restarted_at_mode) {
        restarted_at_mode = true;
        auto point = torch::tensor(inputs.missed_mode_point, torch::kDouble);
        rungs_to_try.insert(rungs_to_try.begin() + static_cast<std::ptrdiff_t>(r) + 1, ladder.front());
        labels.insert(labels.begin() + static_cast<std::ptrdiff_t>(r) + 1,
                      rung_label(ladder.front()) + " from the higher mode the check found");
        inits.insert(inits.begin() + static_cast<std::ptrdiff_t>(r) + 1, point);
      }
    } catch (const elbo::NumericalError& e) {
      entry["error"] = e.what();
      entry["reliable"] = false;
      entry["seconds"] = seconds_since(rung_start);
      rungs.push_back(entry);
    }
  }
  if (!have_chosen) {
    throw elbo::NumericalError("--method auto: every rung of the ladder failed (" +
                               rungs.dump() + ")");
  }
  chosen.message = "auto: rung " + std::to_string(chosen_index + 1) + " (" +
                   labels[static_cast<size_t>(chosen_index)] + ")" +
                   (chosen_reliable ? " is reliable" : ", the best of an unreliable ladder") +
                   "; " + chosen.message;
  chosen.details["auto"] = {{"rungs", rungs},
                            {"chosen", chosen_index + 1},
                            {"chosen_method", labels[static_cast<size_t>(chosen_index)]},
                            {"budget_seconds", options.budget},
                            {"seconds", seconds_since(start)}};
  return chosen;
}

}  // namespace elbo_cli
