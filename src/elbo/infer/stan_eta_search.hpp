#pragma once
// Stan's step-size search for ADVI (Kucukelbir et al. 2017, §3.3; Stan's
// advi::adapt_eta): try η ∈ {100, 10, 1, 0.1, 0.01}, each for
// `adapt_iterations` steps of the Stan adaptive sequence from the same
// initial λ, and keep the η with the highest ELBO. Like Stan, stop early once
// an η is worse than the best one after an improvement was found.
#include <cstdint>
#include <memory>

#include "elbo/family/family.hpp"
#include "elbo/model/log_density.hpp"
#include "elbo/objective/objective.hpp"

namespace elbo::infer {

struct EtaSearchResult {
  double eta = 0.0;
  double elbo = 0.0;        // ELBO reached with that η
  double initial_elbo = 0.0;
};

/// Leaves `q` unchanged. Throws NumericalError when no η improves on the
/// initial ELBO (Stan: "all tested step sizes failed").
EtaSearchResult stan_eta_search(std::shared_ptr<const model::LogDensity> p,
                                const family::Family& q,
                                std::shared_ptr<objective::Objective> objective,
                                int64_t adapt_iterations, int64_t eval_draws, uint64_t seed);

}  // namespace elbo::infer
