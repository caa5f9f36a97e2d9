#include "elbo/infer/advi.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/family/whitened_family.hpp"
#include "elbo/infer/laplace.hpp"
#include "elbo/infer/posterior_start.hpp"
#include "elbo/model/whitened_density.hpp"
#include "elbo/infer/stan_eta_search.hpp"
#include "elbo/objective/make_objective.hpp"
#include "elbo/objective/make_score_objective.hpp"
#include "elbo/objective/reparam_elbo.hpp"

namespace elbo::infer {

namespace {

// The score-function estimators (and the Gumbel relaxation) work with the
// family's own factors and discrete latents; whitening would mix coordinates.
bool is_score_objective(const std::string& spec) {
  const auto base = spec.substr(0, spec.find_first_of(":+"));
  return base == "reinforce" || base == "odis" || base == "gumbel" || base == "reparam";
}

// Starts q at the posterior start (mode + scale, infer/posterior_start): on
// posteriors close to Gaussian the ELBO's optimum is near the Laplace
// approximation, so SVI needs a fraction of the iterations it needs from θ = 0;
// in coordinates whitened by the start, step sizes mean the same whatever the
// posterior's scales. The start is kept only when it is a better ELBO than the
// default start (same draws): a mode can exist and still be a poor start, e.g.
// the neck of a funnel, where log p is large but the mass is elsewhere.
// Returns true when q starts at a Gaussian (Laplace) start, whose smaller
// step size the caller then uses.
struct Started {
  std::shared_ptr<const model::LogDensity> target;  // p, or p in whitened coordinates
  bool gaussian = false;
};

Started start_fit(AdviFit& fit, family::FamilyPtr& q, const AdviOptions& options) {
  const int64_t kCompareDraws = 100;
  Started out{fit.density, false};
  PosteriorStartOptions start_options;
  start_options.laplace = options.laplace;
  if (options.init_point.defined()) start_options.laplace.init(options.init_point.to(torch::kDouble));
  start_options.hessian_max_dim = options.laplace_max_dim;
  start_options.pathfinder_seed = options.svi.seed;
  auto start = find_posterior_start(fit.density, start_options);
  if (!start.found) {
    fit.init_message = "Laplace start failed (" + start.message + "); default start";
    return out;
  }
  const bool whiten = options.whiten && !is_score_objective(options.objective);
  const bool gaussian = start.laplace && q->takes_gaussian_start();
  auto candidate = q->clone_family();
  std::shared_ptr<const model::LogDensity> target = fit.density;
  // Structured families are whitened by the marginal sds only (see
  // Family::full_whitening), which keeps their structure on θ's scale.
  const at::Tensor L = q->full_whitening()
                           ? start.scale_tril
                           : torch::diag(start.scale_tril.square().sum(1).sqrt());
  if (whiten) {
    target = std::make_shared<model::WhitenedDensity>(fit.density, start.mode, L);
    const int64_t D = fit.density->dim();
    auto zero = torch::zeros({D}, torch::kDouble);
    // In u the Laplace approximation is N(0, Lᵀ A L) = N(0, I).
    if (gaussian) {
      candidate->initialize_gaussian(zero, torch::matmul(L.t(), torch::matmul(start.precision, L)));
    } else {
      candidate->initialize(zero);
    }
  } else if (gaussian) {
    candidate->initialize_gaussian(start.mode, start.precision);
  } else {
    candidate->initialize(start.mode);
  }
  auto gen = make_generator(options.svi.seed ^ 0x1a91ac3u);
  const double elbo_default = objective::elbo_value(*fit.density, *q, kCompareDraws, gen);
  gen = make_generator(options.svi.seed ^ 0x1a91ac3u);
  const double elbo_start = objective::elbo_value(*target, *candidate, kCompareDraws, gen);
  if (!(elbo_start > elbo_default) && std::isfinite(elbo_default)) {
    fit.init_message = "Laplace start rejected (its ELBO " + std::to_string(elbo_start) +
                       " is below the default start's " + std::to_string(elbo_default) +
                       "); default start";
    return out;
  }
  q = candidate;
  fit.whitened = whiten;
  fit.init_message = std::string(!gaussian          ? "started at the mode"
                                 : start.pathfinder ? "started at Pathfinder's Gaussian"
                                                    : "started at the Laplace approximation") +
                     (whiten ? ", in coordinates whitened by it" : "") + " (" + start.message + ")";
  if (whiten) {
    fit.q = std::make_shared<family::WhitenedFamily>(q, start.mode, L);
  }
  out.target = target;
  out.gaussian = gaussian;
  return out;
}

// The objective named by options.objective (see AdviOptions).
std::shared_ptr<objective::Objective> make_advi_objective(const AdviOptions& options) {
  if (options.family.rfind("hierarchical", 0) == 0 && options.objective != "elbo") {
    throw ConfigError("advi: the hierarchical family is fitted with its auxiliary bound "
                      "(--objective elbo); it is '" + options.objective + "'");
  }
  const std::string& spec = options.objective;
  const auto base = spec.substr(0, spec.find_first_of(":+"));
  if (base == "reinforce" || base == "odis" || base == "gumbel" || base == "reparam") {
    return objective::make_score_objective(spec, options.grad_draws);
  }
  // The path derivative exists for the ELBO, annealed ELBO, Rényi and IWAE (DReG).
  const bool has_path_derivative =
      base == "elbo" || base == "renyi" || base == "iwae" || base == "annealed";
  // Flows would invert their stack for the stop-gradient log q every step, and
  // the hierarchical family's log q (random scales) has no such form.
  // Rényi's and IWAE's path derivative (DReG) needs plain draws; a mixture's are
  // weighted (stratified over components).
  const bool weighted_draws = options.family.rfind("mixture", 0) == 0;
  const bool stl = options.stick_the_landing && has_path_derivative &&
                   options.family.rfind("hierarchical", 0) != 0 &&
                   options.family.rfind("flow", 0) != 0 &&
                   !(weighted_draws && (base == "renyi" || base == "iwae"));
  if (spec == "elbo") {
    return std::make_shared<objective::ReparamElbo>(
        objective::ReparamElboOptions().num_draws(options.grad_draws).stick_the_landing(stl));
  }
  return objective::make_objective(spec, options.grad_draws, stl);
}

}  // namespace

AdviFit advi(std::shared_ptr<const model::Model> model, const AdviOptions& options,
             const ProgressCallback& progress, bool resume) {
  return advi(std::make_shared<model::ModelDensity>(std::move(model)), options, progress, resume);
}

AdviFit advi(std::shared_ptr<const model::ConstrainedDensity> density, const AdviOptions& options,
             const ProgressCallback& progress, bool resume) {
  if (!density) throw ConfigError("advi: the density is null");
  check_option_positive("advi", "grad_draws", static_cast<double>(options.grad_draws));
  if (options.init != "zero" && options.init != "random" && options.init != "laplace" &&
      options.init != "auto") {
    throw ConfigError("advi: unknown init '" + options.init +
                      "'; expected auto, zero, random or laplace");
  }
  if (options.adapt_eta && options.optimizer.method != "stan") {
    throw ConfigError("advi: the step-size search (adapt) needs the stan optimizer");
  }
  AdviFit fit;
  fit.density = std::move(density);
  auto q = family::make_family(options.family, fit.density->dim(), options.svi.seed);
  if (options.init_point.defined()) {
    check_shape("advi", "init_point", options.init_point, {fit.density->dim()});
    check_finite("advi", "init_point", options.init_point);
    q->initialize(options.init_point.to(torch::kDouble));
  }
  if (options.init == "random") {
    auto gen = make_generator(options.svi.seed ^ 0x5eed1u);
    q->initialize(torch::rand({fit.density->dim()}, gen, torch::kDouble) * 4 - 2);
  }
  auto optimizer = options.optimizer;
  if (std::isnan(optimizer.eta)) optimizer.eta = q->default_step_size();
  // Discrete families (score-function objectives) have no mode to start at.
  const bool try_start =
      !is_score_objective(options.objective) &&
      (options.init == "laplace" || options.init == "auto");
  // Also on resume: the start is deterministic and decides the coordinates and
  // the step size of the original run (λ itself then comes from the checkpoint).
  std::shared_ptr<const model::LogDensity> target = fit.density;
  if (try_start) {
    auto started = start_fit(fit, q, options);
    target = started.target;
    if (started.gaussian && !std::isnan(options.laplace_eta)) optimizer.eta = options.laplace_eta;
  }
  if (!fit.q) fit.q = q;
  auto objective = make_advi_objective(options);

  if (options.adapt_eta && !resume) {
    try {
      auto found = stan_eta_search(target, *q, objective, options.adapt_iterations,
                                   options.svi.eval_draws, options.svi.seed + 1);
      optimizer.eta = found.eta;
    } catch (const NumericalError&) {
      // At an exact start no step improves the ELBO; keep the start's step.
      if (fit.init_message.rfind("started at", 0) != 0) throw;
      fit.init_message += "; the step-size search found no improving step, so eta stays " +
                          std::to_string(optimizer.eta);
    }
  }
  fit.eta = optimizer.eta;
  Svi svi(target, q, objective, optimizer, options.svi);
  if (resume) svi.resume();
  fit.svi = svi.run(progress);
  return fit;
}

SviOptions advi_svi_defaults() {
  SviOptions o;
  o.max_iterations = 10000;
  o.eval_every = 100;
  o.eval_draws = 100;
  o.tol_rel_obj = 0.002;
  o.common_eval_draws = true;
  o.average_iterates = true;
  return o;
}

optim::OptimizerOptions AdviOptions::default_optimizer() {
  optim::OptimizerOptions o;
  o.method = "adam";
  o.eta = std::numeric_limits<double>::quiet_NaN();
  o.schedule = "robbins_monro";
  o.tau = 1000;
  o.kappa = 0.75;
  return o;
}

}  // namespace elbo::infer
