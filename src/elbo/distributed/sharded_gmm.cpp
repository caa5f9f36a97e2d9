#include "elbo/distributed/sharded_gmm.hpp"

#include <Eigen/Dense>

#include <limits>
#include <vector>

#include "elbo/distributed/minibatch.hpp"

namespace elbo::distributed {

GlobalMoments global_moments(const Eigen::MatrixXd& X, Communicator& comm) {
  const Eigen::Index D = X.cols();
  std::vector<double> first(static_cast<size_t>(D + 1), 0.0);
  Eigen::Map<Eigen::VectorXd>(first.data(), D) = X.colwise().sum().transpose();
  first[static_cast<size_t>(D)] = static_cast<double>(X.rows());
  comm.allreduce_sum(first);
  GlobalMoments out;
  const double n = first[static_cast<size_t>(D)];
  out.mean = Eigen::Map<const Eigen::VectorXd>(first.data(), D) / n;
  const Eigen::MatrixXd centred = X.rowwise() - out.mean.transpose();
  Eigen::MatrixXd scatter = centred.transpose() * centred;
  comm.allreduce_sum(scatter.data(), scatter.size());
  out.covariance = scatter / (n - 1.0);
  return out;
}

namespace {

// Index of the centre nearest to x (squared Euclidean distance; ties: lowest k).
int64_t nearest_centre(const Eigen::MatrixXd& centres, const Eigen::RowVectorXd& x) {
  int64_t best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (Eigen::Index k = 0; k < centres.rows(); ++k) {
    const double d = (centres.row(k) - x).squaredNorm();
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

}  // namespace

conjugate::BatchStatistics kmeans_statistics(const Eigen::MatrixXd& X, const ShardLayout& layout, int64_t K,
                                             int64_t iterations, uint64_t seed, const Eigen::VectorXd& m0,
                                             Communicator& comm) {
  const Eigen::Index D = X.cols();
  // Seed rows: each is filled in by the rank that holds it (the others add 0,
  // so the sum is exact).
  const std::vector<int64_t> seeds = global_minibatch(layout.total, K, seed, -1);
  Eigen::MatrixXd centres = Eigen::MatrixXd::Zero(K, D);
  for (int64_t k = 0; k < K; ++k) {
    const int64_t g = seeds[static_cast<size_t>(k)] - layout.first;
    if (g >= 0 && g < layout.count) centres.row(k) = X.row(g);
  }
  comm.allreduce_sum(centres.data(), centres.size());

  std::vector<int64_t> labels(static_cast<size_t>(X.rows()));
  for (int64_t it = 0; it <= iterations; ++it) {
    for (Eigen::Index n = 0; n < X.rows(); ++n) labels[static_cast<size_t>(n)] = nearest_centre(centres, X.row(n));
    if (it == iterations) break;
    // sums (K×D) and counts (K) in one buffer
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(K, D + 1);
    for (Eigen::Index n = 0; n < X.rows(); ++n) {
      const int64_t k = labels[static_cast<size_t>(n)];
      sums.row(k).head(D) += X.row(n);
      sums(k, D) += 1.0;
    }
    comm.allreduce_sum(sums.data(), sums.size());
    for (int64_t k = 0; k < K; ++k) {
      if (sums(k, D) > 0) centres.row(k) = sums.row(k).head(D) / sums(k, D);  // empty: keep the centre
    }
  }

  conjugate::BatchStatistics stats;
  stats.sufficient = Eigen::VectorXd::Zero(gmm_statistics_size(K, D));
  for (Eigen::Index n = 0; n < X.rows(); ++n) {
    const int64_t k = labels[static_cast<size_t>(n)];
    const Eigen::VectorXd x = X.row(n).transpose() - m0;
    stats.sufficient(k) += 1.0;
    double* s1 = stats.sufficient.data() + K + k * (D + D * D);
    Eigen::Map<Eigen::VectorXd>(s1, D) += x;
    Eigen::Map<Eigen::MatrixXd>(s1 + D, D, D) += x * x.transpose();
  }
  comm.allreduce_sum(stats.sufficient.data(), stats.sufficient.size());
  stats.size = layout.total;
  return stats;
}

}  // namespace elbo::distributed
