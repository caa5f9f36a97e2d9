#include "elbo/distributed/mpi_session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#ifdef ELBO_WITH_MPI
#include <mpi.h>
#endif

namespace elbo::distributed {

namespace {
bool g_mpi_active = false;
}  // namespace

bool built_with_mpi() {
#ifdef ELBO_WITH_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

bool mpi_active() { return g_mpi_active; }

int local_ranks() {
  for (const char* var : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"}) {
    if (const char* v = std::getenv(var)) {
      try {
        const int n = std::stoi(v);
        if (n > 0) return n;
      } catch (const std::exception&) {
        // not a number: try the next variable
      }
    }
  }
  return 1;
}

int threads_per_rank(int requested) {
  if (requested > 0) return requested;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / local_ranks());
}

MpiSession::MpiSession(int* argc, char*** argv) {
#ifdef ELBO_WITH_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  // FUNNELED: the worker threads of a rank (--threads) never call MPI.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  // Errors in collectives abort the job (the default) rather than return codes.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  active_ = true;
  g_mpi_active = true;
#else
  (void)argc;
  (void)argv;
#endif
}

int MpiSession::finish(int exit_code) {
#ifdef ELBO_WITH_MPI
  if (active_ && !finished_) {
    finished_ = true;
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (exit_code != 0 && size > 1) {
      std::fflush(stdout);
      std::fflush(stderr);
      if (rank_ != 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
      MPI_Abort(MPI_COMM_WORLD, exit_code);  // ends every rank
    }
    g_mpi_active = false;
    MPI_Finalize();
  }
#endif
  return exit_code;
}

MpiSession::~MpiSession() { finish(0); }

}  // namespace elbo::distributed
