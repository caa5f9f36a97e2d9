#pragma once
// A regression design (models/design_matrix) from this rank's rows of a table,
// standardised with the GLOBAL column means and sample sds (two allreduces of D
// doubles: Σx and N, then Σ(x − mean)²; one max of |x| for the constant-column
// test), so every rank's X equals the corresponding rows of the design one
// process would build from the whole table (up to the rounding of the sums).
#include "elbo/distributed/communicator.hpp"
#include "elbo/io/table.hpp"
#include "elbo/models/design_matrix.hpp"

namespace elbo::distributed {

/// Collective. `local` holds this rank's rows (≥ 1). Throws as design_matrix does
/// (a constant column: every rank throws alike, after the same collectives).
models::DesignMatrix sharded_design_matrix(const io::Table& local, const models::DesignMatrixOptions& options,
                                           Communicator& comm);

}  // namespace elbo::distributed
