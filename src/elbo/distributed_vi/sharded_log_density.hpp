#pragma once
// Gradient-based VI (ADVI and every Svi objective) data-parallel over ranks: an
// adapter on the LogDensity/Svi split (docs/distributed.md). Each rank holds a
// density of its own rows [first_row, first_row + local rows) of a data set of M
// rows; ShardedLogDensity presents the density of ALL the rows to the methods:
//
//   num_data() = M;  for a Subsample of global indices (Svi draws them from its
//   generator: with the same seed every rank draws the same ones, and the same ε)
//   each rank keeps those in its range, evaluates its density with likelihood
//   weight size·β·M/S (size·β on all data), and
//
//     log p(θ) = (1/size) Σ_r local_r(θ)
//              = prior + log|J| + β (M/S) Σ_r lik_r      (exact for any objective)
//
//   by an allreduce of the K values; its gradient is the allreduce of each
//   rank's ∂local_r/∂θ (a custom autograd function, [K, D] per backward pass).
//
// The sums are reduced to rank 0 and broadcast (Communicator), so every rank
// sees bit-identical values and gradients and takes the same steps with no
// other communication. Every call is a collective: all ranks must evaluate the
// density the same number of times in the same order (they do when they run
// the same deterministic method with the same seed).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "elbo/distributed/communicator.hpp"
#include "elbo/model/constrained_density.hpp"

namespace elbo::distributed {

/// What a ShardedLogDensity sent through the communicator.
struct ShardedCommunication {
  double seconds = 0.0;     // inside allreduce_sum (includes waiting for the slowest rank)
  int64_t reductions = 0;   // allreduce calls
  int64_t bytes = 0;        // payload, doubles × 8, summed over calls
};

class ShardedLogDensity final : public model::ConstrainedDensity {
 public:
  /// `local`: this rank's density (num_data() = its rows, ≥ 1); its rows are the
  /// global rows [first_row, first_row + local->num_data()) of `total_rows`.
  /// `comm` must outlive this object. Not a collective.
  ShardedLogDensity(std::shared_ptr<const model::ConstrainedDensity> local, int64_t first_row,
                    int64_t total_rows, Communicator& comm);

  using LogDensity::log_prob;
  int64_t dim() const override { return local_->dim(); }
  int64_t num_data() const override { return total_; }
  /// Collective: one allreduce of K doubles forward, one of K·D in backward.
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample& data) const override;
  /// Collective: one allreduce of K + K·D doubles.
  model::LogProbAndGradient log_prob_and_gradient(const at::Tensor& theta,
                                                  const model::Subsample& data) const override;
  /// Collective: each rank's Hessian of its weighted terms by autograd (the local
  /// density's log_prob must be twice differentiable), one allreduce of D².
  at::Tensor hessian(const at::Tensor& theta) const override;

  std::string model_name() const override { return local_->model_name(); }
  std::vector<std::string> output_names() const override { return local_->output_names(); }
  at::Tensor output_values(const at::Tensor& theta, uint64_t seed) const override {
    return local_->output_values(theta, seed);
  }

  /// The local subsample for a global one, weighted so that the average over
  /// ranks is the global estimate (an empty local part evaluates one row with
  /// weight 0: the prior and Jacobian only).
  model::Subsample local_subsample(const model::Subsample& global) const;
  /// In place: t ← (Σ_ranks t) / size (t contiguous double). Collective.
  void average_over_ranks(at::Tensor& t) const;

  const model::ConstrainedDensity& local() const { return *local_; }
  int64_t first_row() const { return first_; }
  int64_t local_rows() const { return local_rows_; }
  Communicator& communicator() const { return *comm_; }
  ShardedCommunication communication() const { return stats_; }

 private:
  std::shared_ptr<const model::ConstrainedDensity> local_;
  int64_t first_ = 0;
  int64_t local_rows_ = 0;
  int64_t total_ = 0;
  Communicator* comm_;
  mutable ShardedCommunication stats_;
};

}  // namespace elbo::distributed
