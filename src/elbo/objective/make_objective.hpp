#pragma once
// Builds a reparameterised objective from its CLI spec (`--objective`):
//
//   elbo                                     ReparamElbo, K = num_draws
//   renyi:<α>                                RenyiBound, α finite, α ≠ 1 (e.g. renyi:0.5, renyi:-1)
//   vrmax                                    RenyiBound VR-max (α → −∞)
//   iwae[:<K>]                               IwaeBound with K draws (K defaults to num_draws)
//   chi[:<n>]                                ChiUpperBound, n > 1 (default 2)
//   annealed:<T>[:<β0>[:linear|geometric]]   AnnealedElbo over T steps (β0 = 0.01, linear)
//
// num_draws is K for every objective except iwae:<K>, whose K is given. With
// stick_the_landing the ELBO and annealed ELBO use the path derivative (Roeder
// et al. 2017) and renyi / iwae its unbiased importance-weighted counterpart,
// DReG (Tucker et al. 2019); vrmax and chi have none (ConfigError).
// An invalid spec is a ConfigError naming --objective and the valid forms.
#include <cstdint>
#include <memory>
#include <string>

#include "elbo/objective/objective.hpp"

namespace elbo::objective {

std::shared_ptr<Objective> make_objective(const std::string& spec, int64_t num_draws = 1,
                                          bool stick_the_landing = false);

}  // namespace elbo::objective
