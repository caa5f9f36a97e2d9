#include "elbo/infer/stan_eta_search.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "elbo/optim/stan_adaptive_step.hpp"

namespace elbo::infer {

EtaSearchResult stan_eta_search(std::shared_ptr<const model::LogDensity> p,
                                const family::Family& q,
                                std::shared_ptr<objective::Objective> objective,
                                int64_t adapt_iterations, int64_t eval_draws, uint64_t seed) {
  static const double kEtas[] = {100.0, 10.0, 1.0, 0.1, 0.01};
  auto gen = make_generator(seed);
  auto initial = q.clone_family();
  EtaSearchResult best;
  best.initial_elbo = objective::elbo_value(*p, *initial, eval_draws, gen);
  best.elbo = -std::numeric_limits<double>::infinity();
  const auto full = p->all_data();

  for (double eta : kEtas) {
    auto trial = q.clone_family();
    optim::StanAdaptiveStep optimizer(trial->parameters(), eta);
    double elbo = -std::numeric_limits<double>::infinity();
    try {
      for (int64_t t = 0; t < adapt_iterations; ++t) {
        optimizer.zero_grad();
        auto estimate = objective->estimate(*p, *trial, full, gen);
        if (!std::isfinite(estimate.value)) throw NumericalError("non-finite");
        (-estimate.surrogate).backward();
        optimizer.step(t);
      }
      elbo = objective::elbo_value(*p, *trial, eval_draws, gen);
    } catch (const NumericalError&) {
      elbo = -std::numeric_limits<double>::infinity();  // this η diverged
    }
    if (!std::isfinite(elbo)) elbo = -std::numeric_limits<double>::infinity();
    if (elbo > best.elbo) {
      best.elbo = elbo;
      best.eta = eta;
    } else if (best.elbo > best.initial_elbo) {
      break;  // got worse after an improvement: Stan stops searching
    }
  }
  if (!(best.elbo > best.initial_elbo)) {
    throw NumericalError("advi: all step sizes tried by the search (100 ... 0.01) failed to "
                         "improve the ELBO; check the model or set --eta");
  }
  return best;
}

}  // namespace elbo::infer
