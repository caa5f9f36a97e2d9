#pragma once
// The communicator of a data-parallel fit: the few collective operations the
// distributed drivers need, behind one interface so that the same driver runs in
// one process (SingleProcessCommunicator) or over MPI (mpi_communicator.hpp).
// Nothing here includes mpi.h: only mpi_communicator.cpp does.
//
// Every collective must be called by all ranks in the same order (as MPI's);
// the reductions are elementwise sums over ranks in rank order for a fixed
// number of ranks, so a run is reproducible for that number.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace elbo::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;
  /// This process's rank in [0, size()).
  virtual int rank() const = 0;
  /// Number of ranks.
  virtual int size() const = 0;
  /// In place: data[i] ← Σ_ranks data[i].
  virtual void allreduce_sum(double* data, int64_t count) = 0;
  /// In place: data[i] ← max over ranks of data[i].
  virtual void allreduce_max(int64_t* data, int64_t count) = 0;
  /// In place: data[i] ← Σ_ranks data[i] (exact, for counts and offsets).
  virtual void allreduce_sum(int64_t* data, int64_t count) = 0;
  /// Copies root's data[0..count) to every rank.
  virtual void broadcast(double* data, int64_t count, int root) = 0;
  /// Copies root's string to every rank.
  virtual void broadcast(std::string& text, int root) = 0;
  /// Waits for every rank.
  virtual void barrier() = 0;
  /// Ends the whole job at once (every rank) after printing `message` on stderr;
  /// never returns. Used when one rank cannot go on, so the others never hang in
  /// a collective waiting for it.
  [[noreturn]] virtual void abort(const std::string& message, int exit_code) = 0;

  bool is_root() const { return rank() == 0; }
  // Convenience overloads on vectors.
  void allreduce_sum(std::vector<double>& v) { allreduce_sum(v.data(), static_cast<int64_t>(v.size())); }
  void allreduce_sum(std::vector<int64_t>& v) { allreduce_sum(v.data(), static_cast<int64_t>(v.size())); }
  /// "rank r of n" for messages.
  std::string rank_label() const;
  /// "1 rank", "n ranks" for messages.
  std::string size_label() const;
};

/// The communicator of a job of one process: the collectives are identities.
class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(double*, int64_t) override {}
  void allreduce_max(int64_t*, int64_t) override {}
  void allreduce_sum(int64_t*, int64_t) override {}
  void broadcast(double*, int64_t, int) override {}
  void broadcast(std::string&, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(const std::string& message, int exit_code) override;
  using Communicator::allreduce_sum;
};

/// The job's communicator: MPI_COMM_WORLD when elbo was built with MPI and the
/// process was started by mpirun/mpiexec (MpiSession initialised MPI), else a
/// single-process one.
std::unique_ptr<Communicator> world_communicator();

}  // namespace elbo::distributed
