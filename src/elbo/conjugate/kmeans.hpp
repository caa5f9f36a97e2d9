#pragma once
// k-means for initialising mixtures (scikit-learn's init_params="kmeans" and
// "k-means++"): greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with
// 2 + ⌊ln K⌋ candidates per centre as scikit-learn's _kmeans_plusplus) and Lloyd
// iterations, threaded over rows.
#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"

namespace elbo::conjugate {

/// K centres (K×D) of the rows of X by greedy k-means++; the chosen row of each
/// centre goes to `indices` if given.
Eigen::MatrixXd kmeans_plus_plus(const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& X,
                                 int64_t K, int threads, Rng& rng, std::vector<int64_t>* indices = nullptr);

/// Labels in [0, K) of k-means++ + Lloyd (at most max_iter updates) on X; for N
/// above `subsample` (≤ 0: max(65536, 64K)) the seeding runs on a subsample.
std::vector<int64_t> kmeans_labels(const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& X,
                                   int64_t K, int64_t max_iter, int64_t subsample, int threads, Rng& rng);

}  // namespace elbo::conjugate
