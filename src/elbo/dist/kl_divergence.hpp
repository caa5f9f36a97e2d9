#pragma once
// Analytic Kullback–Leibler divergence KL(p ‖ q) = E_p[log p − log q], shape
// broadcast(p.batch_shape, q.batch_shape). Pairs are found in a small registry
// by dynamic_cast (first match wins):
//   Normal‖Normal, MultivariateNormal and LowRankMultivariateNormal in any
//   combination, Independent‖Independent (same reinterpreted dims: the summed KL
//   of the bases), Gamma‖Gamma, Beta‖Beta, Dirichlet‖Dirichlet,
//   Bernoulli‖Bernoulli, Categorical‖Categorical, Exponential‖Exponential,
//   Poisson‖Poisson.
// Any other pair throws DomainError naming both distributions.
#include <ATen/core/Tensor.h>

#include "elbo/dist/distribution.hpp"

namespace elbo::dist {

at::Tensor kl_divergence(const Distribution& p, const Distribution& q);

/// Whether kl_divergence(p, q) has an analytic form (does not throw).
bool has_analytic_kl(const Distribution& p, const Distribution& q);

}  // namespace elbo::dist
