#pragma once
// Data-parallel natural-gradient SVI and CAVI for any ConjugateModel
// (Hoffman et al. 2013, Algorithm 1, with the statistics summed over ranks):
//
//   every rank draws the same global minibatch B (minibatch.hpp: from seed and t);
//   rank r runs the local step on B ∩ (its shard) and computes s_r = Σ E[t(x_n, z_n)];
//   one allreduce: s = Σ_r s_r (and the local bounds, and |B|);
//   every rank: λ̂ = η + (M/S) s,  λ ← (1 − ρ_t) λ + ρ_t λ̂,  ρ_t = (t + τ0)^−κ.
//
// Each rank's model holds only its shard (points [first, first + count) of the M);
// global_step and the ELBO use only λ, the priors and the summed statistics, so
// every rank holds the same λ after every step (the sums are reduced once and
// broadcast, see MpiCommunicator). The number of ranks changes only the rounding
// of those sums: with the same S and seed, N ranks and 1 agree to ~1e-12 — for
// a model whose local step does not start from stored local factors drawn at
// initialisation (LDA with LdaLocalInit::cold; the GMM), since each rank draws
// those for its own shard only.
//
// Checkpoints hold λ and t only (the batch of step t is a function of seed and t),
// written by rank 0 atomically (temp file + rename) behind a CRC-32 header
// (io/checksummed_file.hpp, kind kDistributedSviCheckpointKind); resume() reads and
// verifies it on rank 0 and broadcasts it, so a job may resume with any number of ranks.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/distributed/communicator.hpp"

namespace elbo::distributed {

/// The checksummed file kind of a DistributedNaturalSvi checkpoint.
inline constexpr const char* kDistributedSviCheckpointKind = "distributed-svi-checkpoint";

/// Where a rank's points sit in the global data.
struct ShardLayout {
  int64_t first = 0;  // global index of the shard's first point
  int64_t count = 0;  // points in the shard
  int64_t total = 0;  // M, points over all ranks
};

/// Sums every rank's shard sizes into a layout (one allreduce of `size` counts).
ShardLayout shard_layout(int64_t local_count, Communicator& comm);

struct DistributedSviOptions {
  DistributedSviOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  DistributedSviOptions& tau0(double v) { tau0_ = v; return *this; }
  DistributedSviOptions& kappa(double v) { kappa_ = v; return *this; }
  DistributedSviOptions& max_steps(int64_t v) { max_steps_ = v; return *this; }
  DistributedSviOptions& seed(uint64_t v) { seed_ = v; return *this; }
  /// Length of BatchStatistics::sufficient (the model's layout), so that a rank
  /// whose shard holds none of a batch still contributes zeros.
  DistributedSviOptions& statistics_size(int64_t v) { statistics_size_ = v; return *this; }
  DistributedSviOptions& checkpoint(std::string v) { checkpoint_ = std::move(v); return *this; }
  DistributedSviOptions& checkpoint_every(int64_t v) { checkpoint_every_ = v; return *this; }
  /// Called on every rank after each step with (step, ρ); return false to stop
  /// (must return the same on every rank).
  DistributedSviOptions& callback(std::function<bool(int64_t, double)> v) { callback_ = std::move(v); return *this; }
  /// Throws ConfigError (S < 1, κ ∉ (0.5, 1], statistics_size < 1, ...).
  void validate() const;

  int64_t batch_size_ = 256;
  double tau0_ = 1.0;
  double kappa_ = 0.7;
  int64_t max_steps_ = 1000;
  uint64_t seed_ = 1;
  int64_t statistics_size_ = 0;
  std::string checkpoint_;
  int64_t checkpoint_every_ = 0;
  std::function<bool(int64_t, double)> callback_;
};

/// Time and traffic of the collectives, per rank.
struct CommunicationStats {
  double seconds = 0.0;         // inside allreduce_sum of the statistics
  double compute_seconds = 0.0; // local steps
  int64_t reductions = 0;
  int64_t bytes_per_reduction = 0;  // payload of one allreduce (doubles × 8)
};

class DistributedNaturalSvi {
 public:
  /// `model` holds this rank's shard; its λ must be the same on every rank
  /// (initialise from the same seed, or resume()).
  DistributedNaturalSvi(conjugate::ConjugateModel& model, ShardLayout layout, Communicator& comm,
                        DistributedSviOptions options);

  /// One step; returns ρ_t.
  double step();
  /// Steps until max_steps (counting steps already taken), checkpointing as configured.
  int64_t run();
  int64_t steps_taken() const { return step_; }

  /// Full-data statistics at the current λ (local step on every shard + allreduce).
  conjugate::BatchStatistics full_statistics();
  /// Exact ELBO of the whole data set at the current λ.
  double full_elbo();

  /// Rank 0 writes {format, model, num_data, seed, batch_size, step, λ} to `path`
  /// atomically, checksummed; the other ranks only wait for it (barrier).
  void save_checkpoint(const std::string& path) const;
  /// Rank 0 reads `path` and broadcasts it; throws InputError (on every rank) for
  /// a missing, corrupt (checksum) or malformed file, or one written for another
  /// model, data size or seed.
  void resume(const std::string& path);

  const CommunicationStats& communication() const { return comm_stats_; }

 private:
  conjugate::BatchStatistics reduce(conjugate::BatchStatistics local);

  conjugate::ConjugateModel& model_;
  ShardLayout layout_;
  Communicator& comm_;
  DistributedSviOptions options_;
  int64_t step_ = 0;
  CommunicationStats comm_stats_;
};

/// Sums `local` over ranks in one allreduce ([sufficient, local_bound, size]);
/// `statistics_size` pads an empty local vector with zeros.
conjugate::BatchStatistics allreduce_statistics(const conjugate::BatchStatistics& local, int64_t statistics_size,
                                                Communicator& comm);

/// CAVI over the shards: each iteration a local step on every shard, one allreduce
/// of the full-data statistics, the same global step and ELBO on every rank.
conjugate::CaviResult distributed_cavi(conjugate::ConjugateModel& model, int64_t statistics_size,
                                       Communicator& comm, const conjugate::CaviOptions& options = {});

}  // namespace elbo::distributed
