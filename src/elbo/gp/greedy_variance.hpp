#pragma once
// Inducing inputs by greedy variance selection (Burt, Rasmussen & van der Wilk 2020,
// "Convergence of sparse variational inference in Gaussian process regression"):
// the pivots of a partial pivoted Cholesky of K_ff, each the row whose prior
// variance is least explained by the rows picked so far. It places points where the
// kernel says the Nyström approximation is worst, so the collapsed bound starts
// much closer to its optimum than from k-means++ centres.
#include <cstdint>

#include "elbo/gp/kernel.hpp"

namespace elbo::gp {

/// T rows of X (of a seeded sample of at most `max_rows` rows), chosen greedily
/// under `kernel`; O(R T²) time and R T memory for R sampled rows. A ConfigError if
/// T exceeds the rows.
Matrix greedy_variance_points(const Kernel& kernel, const Matrix& X, int64_t T, uint64_t seed,
                              int64_t max_rows = 16384);

}  // namespace elbo::gp
