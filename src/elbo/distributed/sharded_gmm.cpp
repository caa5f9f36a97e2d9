#include "elbo/distributed/sharded_gmm.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <limits>
#include <random>
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
  // k-means++ seeding (Arthur & Vassilvitskii 2007) over the shards: the first
  // centre is a row drawn from `seed` alone; each next one is drawn with
  // probability ∝ its squared distance to the nearest centre so far, from a
  // uniform u of (seed, k) alone: every rank learns all ranks' distance totals
  // (one allreduce), so all agree which rank holds the u-th unit of mass, and that
  // rank contributes the row (the others add zeros, so the sum is exact).
  const int ranks = comm.size();
  Eigen::MatrixXd centres = Eigen::MatrixXd::Zero(K, D);
  {
    std::vector<double> row(static_cast<size_t>(D), 0.0);
    const int64_t g = global_minibatch(layout.total, 1, seed, -1)[0] - layout.first;
    if (g >= 0 && g < layout.count) Eigen::Map<Eigen::RowVectorXd>(row.data(), D) = X.row(g);
    comm.allreduce_sum(row);
    centres.row(0) = Eigen::Map<const Eigen::RowVectorXd>(row.data(), D);
  }
  Eigen::VectorXd nearest(X.rows());
  for (Eigen::Index n = 0; n < X.rows(); ++n) nearest(n) = (X.row(n) - centres.row(0)).squaredNorm();
  for (int64_t k = 1; k < K; ++k) {
    std::vector<double> totals(static_cast<size_t>(ranks), 0.0);
    totals[static_cast<size_t>(comm.rank())] = nearest.sum();
    comm.allreduce_sum(totals);
    double all = 0;
    for (double t : totals) all += t;
    std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(k),
                      0x6b6du};
    std::mt19937_64 rng(seq);
    std::vector<double> row(static_cast<size_t>(D), 0.0);
    if (all > 0) {
      double u = std::uniform_real_distribution<double>(0.0, all)(rng);
      int owner = 0;
      while (owner + 1 < ranks && (u >= totals[static_cast<size_t>(owner)] || totals[static_cast<size_t>(owner)] == 0)) {
        u -= totals[static_cast<size_t>(owner)];
        ++owner;
      }
      if (owner == comm.rank()) {
        Eigen::Index pick = X.rows() - 1;
        for (Eigen::Index n = 0; n < X.rows(); ++n) {
          if (u < nearest(n)) {
            pick = n;
            break;
          }
          u -= nearest(n);
        }
        while (pick > 0 && nearest(pick) == 0) --pick;  // rounding past the end: the last row with mass
        Eigen::Map<Eigen::RowVectorXd>(row.data(), D) = X.row(pick);
      }
    } else {  // every row is at a centre already: any row will do
      const int64_t g = global_minibatch(layout.total, 1, seed, -1 - k)[0] - layout.first;
      if (g >= 0 && g < layout.count) Eigen::Map<Eigen::RowVectorXd>(row.data(), D) = X.row(g);
    }
    comm.allreduce_sum(row);
    centres.row(k) = Eigen::Map<const Eigen::RowVectorXd>(row.data(), D);
    for (Eigen::Index n = 0; n < X.rows(); ++n) nearest(n) = std::min(nearest(n), (X.row(n) - centres.row(k)).squaredNorm());
  }

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
