#pragma once
// MPI's lifetime in a program (`elbo` CLI main): MPI_Init_thread when the process
// was started by an MPI launcher (mpirun/mpiexec/srun set the OMPI_/PMI_/PMIX_
// environment), nothing otherwise — a plain `elbo fit` pays no MPI start-up.
// finish(code) ends it: MPI_Finalize on success; on failure with several ranks,
// MPI_Abort, so the job ends on every rank instead of hanging in a collective
// (ranks other than 0 first wait half a second, so that when every rank fails
// alike, rank 0's message is printed before another rank's abort ends it).
// Without ELBO_WITH_MPI every call is a no-op. No mpi.h here.
namespace elbo::distributed {

/// True when this binary was built with MPI support (ELBO_WITH_MPI).
bool built_with_mpi();

/// True when the environment says an MPI launcher started this process.
bool launched_by_mpi();

class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  /// Returns `exit_code` after finalising MPI (success) or aborts the job
  /// (failure with more than one rank).
  int finish(int exit_code);
  bool active() const { return active_; }
  /// This process's rank in MPI_COMM_WORLD (0 when MPI is not active).
  int rank() const { return rank_; }

 private:
  bool active_ = false;
  bool finished_ = false;
  int rank_ = 0;
};

/// Ranks of this job on this node, from the launcher's environment
/// (OMPI_COMM_WORLD_LOCAL_SIZE, MPI_LOCALNRANKS, SLURM_NTASKS_PER_NODE); 1 if unset.
int local_ranks();

/// Worker threads of one rank for a `--threads` value: `requested` when > 0, else
/// this node's cores divided among its ranks (at least 1), so that `mpirun -np 2`
/// on 2 cores does not run 4 threads.
int threads_per_rank(int requested);

/// True while MPI is initialised and not finalised (by an MpiSession).
bool mpi_active();

}  // namespace elbo::distributed
