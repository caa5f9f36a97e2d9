#include "elbo/infer/advi.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/infer/laplace.hpp"
#include "elbo/infer/stan_eta_search.hpp"
#include "elbo/objective/make_objective.hpp"
#include "elbo/objective/make_score_objective.hpp"
#include "elbo/objective/reparam_elbo.hpp"

namespace elbo::infer {

namespace {

// Starts q at the Laplace approximation N(θ̂, A⁻¹) (L-BFGS mode + autograd
// Hessian): on posteriors close to Gaussian the ELBO's optimum is near it, so
// SVI needs a fraction of the iterations it needs from θ = 0. The start is kept
// only when it is a better ELBO than the default start (same draws): a mode can
// exist and still be a poor start, e.g. the neck of a funnel, where log p is
// large but the mass is elsewhere. Where no mode or no positive-definite
// Hessian is found, q keeps its default start; init_message says what happened.
// Returns true when q starts at the Laplace approximation.
bool initialize_at_laplace(AdviFit& fit, uint64_t seed, const at::Tensor& init_point) {
  const int64_t kCompareDraws = 100;
  try {
    auto mode = laplace(fit.density, LaplaceOptions()
                                         .non_positive_definite(NonPositiveDefinite::fail)
                                         .init(init_point));
    if (!mode.converged) {
      fit.init_message = "Laplace start: L-BFGS found no mode (gradient " +
                         std::to_string(mode.gradient_norm) + "); default start";
      return false;
    }
    auto default_start = fit.q->clone_family();
    auto gen = make_generator(seed ^ 0x1a91ac3u);
    const double elbo_default = objective::elbo_value(*fit.density, *default_start, kCompareDraws, gen);
    fit.q->initialize_gaussian(mode.mode, mode.precision);
    gen = make_generator(seed ^ 0x1a91ac3u);
    const double elbo_laplace = objective::elbo_value(*fit.density, *fit.q, kCompareDraws, gen);
    if (!(elbo_laplace > elbo_default)) {
      torch::NoGradGuard no_grad;
      auto to = fit.q->parameters();
      auto from = default_start->parameters();
      for (size_t i = 0; i < to.size(); ++i) to[i].copy_(from[i]);
      fit.init_message = "Laplace start rejected (its ELBO " + std::to_string(elbo_laplace) +
                         " is below the default start's " + std::to_string(elbo_default) +
                         "); default start";
      return false;
    }
    fit.init_message = "started at the Laplace approximation";
    return true;
  } catch (const NumericalError& e) {
    fit.init_message = std::string("Laplace start failed (") + e.what() + "); default start";
    return false;
  }
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
  fit.q = family::make_family(options.family, fit.density->dim(), options.svi.seed);
  if (options.init_point.defined()) {
    check_shape("advi", "init_point", options.init_point, {fit.density->dim()});
    check_finite("advi", "init_point", options.init_point);
    fit.q->initialize(options.init_point.to(torch::kDouble));
  }
  if (options.init == "random") {
    auto gen = make_generator(options.svi.seed ^ 0x5eed1u);
    fit.q->initialize(torch::rand({fit.density->dim()}, gen, torch::kDouble) * 4 - 2);
  }
  if (options.init == "laplace" && !fit.q->takes_gaussian_start()) {
    throw ConfigError("advi: init 'laplace' needs a family that takes a Gaussian start "
                      "(meanfield, fullrank or a flow); '" + fit.q->family_name() +
                      "' does not");
  }
  auto optimizer = options.optimizer;
  if (std::isnan(optimizer.eta)) optimizer.eta = fit.q->default_step_size();
  // Only families that take the Laplace approximation's spread too start there
  // (the Gaussians, and flows as its mean-field part with identity layers);
  // others would only be re-centred, and then move slowly with the smaller step.
  const bool try_laplace =
      fit.q->takes_gaussian_start() && (options.init == "laplace" ||
                   (options.init == "auto" && fit.density->dim() <= options.laplace_max_dim));
  // Also on resume: the Laplace fit is deterministic and decides the step size
  // of the original run (λ itself then comes from the checkpoint).
  if (try_laplace && initialize_at_laplace(fit, options.svi.seed, options.init_point) && !std::isnan(options.laplace_eta)) {
    optimizer.eta = options.laplace_eta;
  }
  auto objective = make_advi_objective(options);

  if (options.adapt_eta && !resume) {
    auto found = stan_eta_search(fit.density, *fit.q, objective, options.adapt_iterations,
                                 options.svi.eval_draws, options.svi.seed + 1);
    optimizer.eta = found.eta;
  }
  fit.eta = optimizer.eta;
  Svi svi(fit.density, fit.q, objective, optimizer, options.svi);
  if (resume) svi.resume();
  fit.svi = svi.run(progress);
  return fit;
}

}  // namespace elbo::infer
