#include "elbo/infer/advi.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/infer/stan_eta_search.hpp"
#include "elbo/objective/reparam_elbo.hpp"

namespace elbo::infer {

AdviFit advi(std::shared_ptr<const model::Model> model, const AdviOptions& options,
             const ProgressCallback& progress, bool resume) {
  check_option_positive("advi", "grad_draws", static_cast<double>(options.grad_draws));
  if (options.init != "zero" && options.init != "random") {
    throw ConfigError("advi: unknown init '" + options.init + "'; expected zero or random");
  }
  if (options.adapt_eta && options.optimizer.method != "stan") {
    throw ConfigError("advi: the step-size search (adapt) needs the stan optimizer");
  }
  AdviFit fit;
  fit.density = std::make_shared<model::ModelDensity>(std::move(model));
  fit.q = family::make_family(options.family, fit.density->dim(), options.svi.seed);
  if (options.init == "random") {
    auto gen = make_generator(options.svi.seed ^ 0x5eed1u);
    fit.q->initialize(torch::rand({fit.density->dim()}, gen, torch::kDouble) * 4 - 2);
  }
  auto objective = std::make_shared<objective::ReparamElbo>(
      objective::ReparamElboOptions().num_draws(options.grad_draws).stick_the_landing(
          options.stick_the_landing));

  auto optimizer = options.optimizer;
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
