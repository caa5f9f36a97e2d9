#include "elbo/conjugate/kmeans.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "elbo/conjugate/parallel.hpp"

namespace elbo::conjugate {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;


// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, as scikit-learn's
// _kmeans_plusplus: 2 + ⌊ln K⌋ candidates per centre drawn ∝ D², keeping the one
// that lowers the potential most). Distances as ‖x‖² − 2xᵀc + ‖c‖² (one GEMM per
// block for all candidates).
Eigen::MatrixXd kmeans_plus_plus(const RowMatrix& X, int64_t K, int threads, Rng& rng,
                                 std::vector<int64_t>* indices) {
  threads = resolve_threads(threads);
  if (indices) indices->assign(static_cast<size_t>(K), 0);
  const int64_t N = X.rows(), D = X.cols();
  const Eigen::VectorXd sq = X.rowwise().squaredNorm();
  Eigen::MatrixXd centres(K, D);
  std::uniform_int_distribution<int64_t> first(0, N - 1);
  const int64_t first_index = first(rng);
  centres.row(0) = X.row(first_index);
  if (indices) (*indices)[0] = first_index;
  Eigen::VectorXd d2(N);
  {
    const Eigen::VectorXd c = centres.row(0).transpose();
    const double cc = c.squaredNorm();
    parallel_for(N, threads, [&](int, int64_t b, int64_t e) {
      d2.segment(b, e - b) = ((sq.segment(b, e - b) - 2.0 * X.middleRows(b, e - b) * c).array() + cc).cwiseMax(0.0);
    });
  }
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(K)));
  RowMatrix cand_d2(N, trials);  // min(d2, distance to each candidate)
  Eigen::MatrixXd cand(trials, D);
  std::vector<int64_t> picks(static_cast<size_t>(trials));
  for (int64_t k = 1; k < K; ++k) {
    // candidates ∝ d2 (inverse CDF of sorted uniforms in one pass)
    const double total = d2.sum();
    std::uniform_real_distribution<double> u(0.0, total);
    std::vector<std::pair<double, int>> targets;
    for (int t = 0; t < trials; ++t) targets.emplace_back(u(rng), t);
    std::sort(targets.begin(), targets.end());
    double run = 0.0;
    size_t next = 0;
    for (int64_t n = 0; n < N && next < targets.size(); ++n) {
      run += d2(n);
      while (next < targets.size() && run >= targets[next].first) picks[static_cast<size_t>(targets[next++].second)] = n;
    }
    for (; next < targets.size(); ++next) picks[static_cast<size_t>(targets[next].second)] = N - 1;
    for (int t = 0; t < trials; ++t) cand.row(t) = X.row(picks[static_cast<size_t>(t)]);
    const Eigen::RowVectorXd cc = cand.rowwise().squaredNorm().transpose();
    parallel_for(N, threads, [&](int, int64_t b, int64_t e) {
      auto block = cand_d2.middleRows(b, e - b);
      block.noalias() = -2.0 * X.middleRows(b, e - b) * cand.transpose();
      block.rowwise() += cc;
      block.colwise() += sq.segment(b, e - b);
      block = block.cwiseMax(0.0).cwiseMin(d2.segment(b, e - b).replicate(1, trials));
    });
    Eigen::Index best;
    cand_d2.colwise().sum().minCoeff(&best);
    centres.row(k) = cand.row(best);
    if (indices) (*indices)[static_cast<size_t>(k)] = picks[static_cast<size_t>(best)];
    d2 = cand_d2.col(best);
  }
  return centres;
}

// Mean over features of the (biased) per-feature variance, in two threaded passes.
static double mean_feature_variance(const RowMatrix& X, int threads) {
  const int64_t N = X.rows(), D = X.cols();
  std::vector<Eigen::RowVectorXd> part(static_cast<size_t>(threads));
  parallel_for(N, threads, [&](int t, int64_t b, int64_t e) {
    part[t] = X.middleRows(b, e - b).colwise().sum();
  });
  Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(D);
  for (const auto& p : part)
    if (p.size()) mean += p;
  mean /= static_cast<double>(N);
  std::vector<double> ss(static_cast<size_t>(threads), 0.0);
  parallel_for(N, threads, [&](int t, int64_t b, int64_t e) {
    double acc = 0.0;
    for (int64_t n = b; n < e; ++n) acc += (X.row(n) - mean).squaredNorm();
    ss[t] = acc;
  });
  double total = 0.0;
  for (double v : ss) total += v;
  return total / static_cast<double>(N) / static_cast<double>(D);
}

// Lloyd iterations from `centres` until the centres move (in total squared
// distance) at most `tol` or `max_iter` updates; then, if labels is given, one more
// pass assigns every point to the final centres. An empty cluster keeps its centre.
static void lloyd(const RowMatrix& X, Eigen::MatrixXd& centres, int64_t max_iter, double tol, int threads,
           std::vector<int64_t>* labels) {
  const int64_t N = X.rows(), K = centres.rows(), D = centres.cols();
  constexpr int64_t kRows = 1024;
  for (int64_t it = 0; it <= max_iter; ++it) {
    const bool last = it == max_iter;
    if (last && !labels) break;
    const Eigen::VectorXd cc = centres.rowwise().squaredNorm();
    std::vector<Eigen::MatrixXd> sums(static_cast<size_t>(threads));
    std::vector<Eigen::VectorXd> counts(static_cast<size_t>(threads));
    parallel_for(N, threads, [&](int t, int64_t b, int64_t e) {
      Eigen::MatrixXd s = Eigen::MatrixXd::Zero(K, D);
      Eigen::VectorXd cnt = Eigen::VectorXd::Zero(K);
      RowMatrix dist(kRows, K);
      for (int64_t start = b; start < e; start += kRows) {
        const int64_t rows = std::min(kRows, e - start);
        dist.topRows(rows).noalias() = -2.0 * X.middleRows(start, rows) * centres.transpose();
        dist.topRows(rows).rowwise() += cc.transpose();
        for (int64_t i = 0; i < rows; ++i) {
          Eigen::Index k;
          dist.row(i).minCoeff(&k);
          if (labels) (*labels)[static_cast<size_t>(start + i)] = k;
          s.row(k) += X.row(start + i);
          cnt(k) += 1.0;
        }
      }
      sums[t] = std::move(s);
      counts[t] = std::move(cnt);
    });
    if (last) break;
    Eigen::MatrixXd total = Eigen::MatrixXd::Zero(K, D);
    Eigen::VectorXd count = Eigen::VectorXd::Zero(K);
    for (int t = 0; t < threads; ++t) {
      if (sums[t].size() == 0) continue;
      total += sums[t];
      count += counts[t];
    }
    double shift = 0.0;
    for (int64_t k = 0; k < K; ++k) {
      if (count(k) == 0) continue;
      const Eigen::RowVectorXd c = total.row(k) / count(k);
      shift += (c - centres.row(k)).squaredNorm();
      centres.row(k) = c;
    }
    if (shift <= tol) {
      if (!labels) break;
      it = max_iter - 1;  // one more pass: assign to the final centres
    }
  }
}


std::vector<int64_t> kmeans_labels(const RowMatrix& X, int64_t K, int64_t max_iter, int64_t subsample,
                                   int threads, Rng& rng) {
  // As scikit-learn's KMeans(n_init=1) (k-means++ seeding, Lloyd until the centres
  // move less than tol = 1e-4 × the mean feature variance), made cheap for large N:
  // when N exceeds the subsample size, the seeding and a first Lloyd run use a
  // uniform subsample (without replacement), and Lloyd on all the data then starts
  // from those centres (it typically needs one or two passes).
  threads = resolve_threads(threads);
  const int64_t N = X.rows(), D = X.cols();
  const double tol = 1e-4 * mean_feature_variance(X, threads);
  const int64_t m = subsample > 0 ? std::max<int64_t>(subsample, K) : std::max<int64_t>(65536, 64 * K);
  Eigen::MatrixXd centres;
  if (m < N) {
    // partial Fisher–Yates: the first m entries are a uniform subsample
    std::vector<int64_t> index(static_cast<size_t>(N));
    for (int64_t n = 0; n < N; ++n) index[static_cast<size_t>(n)] = n;
    RowMatrix sub(m, D);
    for (int64_t i = 0; i < m; ++i) {
      std::uniform_int_distribution<int64_t> pick(i, N - 1);
      std::swap(index[static_cast<size_t>(i)], index[static_cast<size_t>(pick(rng))]);
      sub.row(i) = X.row(index[static_cast<size_t>(i)]);
    }
    centres = kmeans_plus_plus(sub, K, threads, rng, nullptr);
    lloyd(sub, centres, max_iter, tol, threads, nullptr);
  } else {
    centres = kmeans_plus_plus(X, K, threads, rng, nullptr);
  }
  std::vector<int64_t> labels(static_cast<size_t>(N), 0);
  lloyd(X, centres, max_iter, tol, threads, &labels);
  return labels;
}

}  // namespace elbo::conjugate
