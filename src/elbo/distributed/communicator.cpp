#include "elbo/distributed/communicator.hpp"

#include <cstdio>
#include <cstdlib>

#include "elbo/distributed/mpi_communicator.hpp"
#include "elbo/distributed/mpi_session.hpp"

namespace elbo::distributed {

std::string Communicator::rank_label() const {
  return "rank " + std::to_string(rank()) + " of " + std::to_string(size());
}

std::string Communicator::size_label() const {
  return size() == 1 ? "1 rank" : std::to_string(size()) + " ranks";
}

void SingleProcessCommunicator::abort(const std::string& message, int exit_code) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(exit_code);
}

std::unique_ptr<Communicator> world_communicator() {
#ifdef ELBO_WITH_MPI
  if (mpi_active()) return make_mpi_communicator();
#endif
  return std::make_unique<SingleProcessCommunicator>();
}

}  // namespace elbo::distributed
