#pragma once
// What the Bayesian GMM (conjugate/bayes_gmm.hpp) takes from the whole data set,
// computed from shards: its default priors (the data mean m0 and the empirical
// covariance W0⁻¹, ddof = 1) and a k-means start. Each rank builds its BayesGmm
// on its rows with these passed explicitly, so every rank's model has the same
// priors and the same starting λ as one model on all the rows would.
#include <Eigen/Core>

#include <cstdint>

#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/distributed/communicator.hpp"
#include "elbo/distributed/distributed_svi.hpp"

namespace elbo::distributed {

struct GlobalMoments {
  Eigen::VectorXd mean;        // D
  Eigen::MatrixXd covariance;  // D×D, ddof = 1
};

/// Two allreduces (Σx and N, then Σ(x − mean)(x − mean)ᵀ). X_local: rows × D.
GlobalMoments global_moments(const Eigen::MatrixXd& X_local, Communicator& comm);

/// Length of the GMM's statistics vector: K + K (D + D²).
inline int64_t gmm_statistics_size(int64_t K, int64_t D) { return K + K * (D + D * D); }

/// k-means over the shards: k-means++ seeding with draws from `seed` alone (the
/// same centres for any number of ranks, up to the rounding of distance sums),
/// `iterations` Lloyd steps (one allreduce each), then the statistics of the hard
/// assignments in BayesGmm's layout, centred at m0 (for global_step(stats, 1)).
conjugate::BatchStatistics kmeans_statistics(const Eigen::MatrixXd& X_local, const ShardLayout& layout,
                                             int64_t K, int64_t iterations, uint64_t seed,
                                             const Eigen::VectorXd& m0, Communicator& comm);

}  // namespace elbo::distributed
