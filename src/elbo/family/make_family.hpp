#pragma once
// Builds a family from its CLI/config name: "meanfield", "fullrank",
// "lowrank" (rank 2 by default) or "lowrank:R", "pointmass" (MAP);
// normalizing flows "flow:<layer>[*N][+<layer>[*N]...]" with layers planar,
// radial, realnvp, iaf (flow_family.hpp); "mixture[:C[:diag]]"; "copula" or
// "copula:gaussian"; "hierarchical" or "hierarchical:mean".
// Discrete latents: "bernoulli" (D independent Bernoullis) and "categorical:C"
// (D/C independent one-hot categoricals with C classes each).
#include <string>

#include "elbo/family/family.hpp"

namespace elbo::family {

/// Throws ConfigError naming the accepted names for an unknown one.
FamilyPtr make_family(const std::string& spec, int64_t dim, uint64_t seed = 0);

}  // namespace elbo::family
