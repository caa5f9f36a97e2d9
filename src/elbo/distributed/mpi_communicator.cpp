#include "elbo/distributed/mpi_communicator.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "elbo/distributed/mpi_session.hpp"

// Compiled only with ELBO_WITH_MPI (CMakeLists.txt).
#include <mpi.h>

namespace elbo::distributed {

namespace {

// MPI counts are int: long buffers go in chunks.
constexpr int64_t kMaxChunk = std::numeric_limits<int>::max() / 2;

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    if (mpi_active()) MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  // Sums of doubles: reduce to rank 0, then broadcast. An MPI_Allreduce may
  // associate the sum differently on different ranks (recursive doubling with a
  // rank count that is not a power of two), and the drivers need every rank to
  // take exactly the same global step.
  void allreduce_sum(double* data, int64_t count) override {
    for (int64_t off = 0; off < count; off += kMaxChunk) {
      const int n = static_cast<int>(std::min(kMaxChunk, count - off));
      if (rank_ == 0) {
        MPI_Reduce(MPI_IN_PLACE, data + off, n, MPI_DOUBLE, MPI_SUM, 0, comm_);
      } else {
        MPI_Reduce(data + off, nullptr, n, MPI_DOUBLE, MPI_SUM, 0, comm_);
      }
    }
    broadcast(data, count, 0);
  }
  void allreduce_sum(int64_t* data, int64_t count) override { reduce(data, count, MPI_INT64_T, MPI_SUM); }
  void allreduce_max(int64_t* data, int64_t count) override { reduce(data, count, MPI_INT64_T, MPI_MAX); }

  void broadcast(double* data, int64_t count, int root) override {
    for (int64_t off = 0; off < count; off += kMaxChunk) {
      MPI_Bcast(data + off, static_cast<int>(std::min(kMaxChunk, count - off)), MPI_DOUBLE, root, comm_);
    }
  }
  void broadcast(std::string& text, int root) override {
    int64_t n = static_cast<int64_t>(text.size());
    MPI_Bcast(&n, 1, MPI_INT64_T, root, comm_);
    text.resize(static_cast<size_t>(n));
    for (int64_t off = 0; off < n; off += kMaxChunk) {
      MPI_Bcast(text.data() + off, static_cast<int>(std::min(kMaxChunk, n - off)), MPI_CHAR, root, comm_);
    }
  }
  void barrier() override { MPI_Barrier(comm_); }
  [[noreturn]] void abort(const std::string& message, int exit_code) override {
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::abort();  // MPI_Abort does not return; keeps [[noreturn]] honest
  }
  using Communicator::allreduce_sum;

 private:
  template <class T>
  void reduce(T* data, int64_t count, MPI_Datatype type, MPI_Op op) {
    for (int64_t off = 0; off < count; off += kMaxChunk) {
      MPI_Allreduce(MPI_IN_PLACE, data + off, static_cast<int>(std::min(kMaxChunk, count - off)), type, op,
                    comm_);
    }
  }
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() {
  if (!mpi_active()) throw std::logic_error("make_mpi_communicator: MPI is not initialised");
  return std::make_unique<MpiCommunicator>();
}

}  // namespace elbo::distributed
