#pragma once
// The MPI implementation of Communicator over MPI_COMM_WORLD (a duplicate of it,
// so library traffic never matches user messages). Only available when built
// with ELBO_WITH_MPI and MPI was initialised (MpiSession); no mpi.h here.
#include <memory>

#include "elbo/distributed/communicator.hpp"

namespace elbo::distributed {

/// Throws std::logic_error when MPI is not initialised. Defined only when elbo is
/// built with ELBO_WITH_MPI (world_communicator() is the portable entry point).
std::unique_ptr<Communicator> make_mpi_communicator();

}  // namespace elbo::distributed
