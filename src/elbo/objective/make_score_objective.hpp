#pragma once
// Builds a gradient estimator for discrete / black-box VI from a spec string
// (the CLI's --objective and `elbo gradvar`'s estimator list):
//
//   spec      := base ("+" option)*
//   base      := "reinforce"          score-function ELBO (ScoreFunctionElbo)
//              | "odis:" TAU          = reinforce+odis:TAU
//              | "gumbel:" TEMP       Gumbel-softmax relaxation (GumbelSoftmaxElbo)
//              | "reparam"            reparameterised ELBO (ReparamElbo), no options
//   reinforce options:
//     "baseline" [":" DECAY]          moving-average baseline (decay in [0, 1), default 0.9)
//     "cv"                            optimal score-function control variate (leave-one-out)
//     "rb"                            Rao–Blackwellisation (Markov-blanket signals)
//     "odis:" TAU                     overdispersed importance sampling, TAU ≥ 1
//   gumbel options:
//     "st"                            straight-through (hard forward, relaxed gradient)
//     "anneal:" RATE                  τ_t = max(τ_min, TEMP e^(−RATE t))
//     "min:" TMIN                     floor τ_min of the schedule (default 0.5, capped at TEMP)
//
// Examples: "reinforce", "reinforce+baseline", "reinforce+cv", "reinforce+rb",
// "reinforce+cv+rb", "odis:2", "reinforce+cv+rb+odis:2", "gumbel:0.5",
// "gumbel:1+anneal:1e-3+min:0.3+st". "baseline" and "cv" exclude each other;
// an option may appear once. Any error is a ConfigError naming the option.
#include <cstdint>
#include <memory>
#include <string>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

/// `num_draws` is K for every estimator.
std::shared_ptr<Objective> make_score_objective(const std::string& spec, int64_t num_draws);

}  // namespace elbo::objective
