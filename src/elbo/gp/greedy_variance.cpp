#include "elbo/gp/greedy_variance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "elbo/core/error.hpp"

namespace elbo::gp {

Matrix greedy_variance_points(const Kernel& kernel, const Matrix& X, int64_t T, uint64_t seed, int64_t max_rows) {
  if (T > X.rows()) {
    throw ConfigError("fit gp: --inducing is " + std::to_string(T) + ", but the data have only " +
                      std::to_string(X.rows()) + " rows (at most one inducing point per row)");
  }
  Matrix S;  // the candidate rows
  if (X.rows() > max_rows) {
    std::vector<Eigen::Index> idx(static_cast<size_t>(X.rows()));
    std::iota(idx.begin(), idx.end(), Eigen::Index{0});
    std::mt19937_64 rng(seed);
    std::shuffle(idx.begin(), idx.end(), rng);
    idx.resize(static_cast<size_t>(std::max<int64_t>(max_rows, T)));
    S.resize(static_cast<Eigen::Index>(idx.size()), X.cols());
    for (size_t i = 0; i < idx.size(); ++i) S.row(static_cast<Eigen::Index>(i)) = X.row(idx[i]);
  }
  const Matrix& C = X.rows() > max_rows ? S : X;
  const Eigen::Index R = C.rows();
  // residual(i) = k(x_i, x_i) − Σ_t F(i, t)²: the variance of f(x_i) given f at the
  // points picked so far; F holds the pivoted Cholesky columns.
  Vector residual = kernel.diag(C);
  const double floor = 1e-12 * std::max(residual.maxCoeff(), 1e-300);
  Matrix F(R, T);
  std::vector<bool> picked(static_cast<size_t>(R), false);
  Matrix Z(T, C.cols());
  for (Eigen::Index t = 0; t < T; ++t) {
    Eigen::Index p = 0;
    double best = -std::numeric_limits<double>::infinity();
    for (Eigen::Index i = 0; i < R; ++i)
      if (!picked[static_cast<size_t>(i)] && residual[i] > best) best = residual[i], p = i;
    picked[static_cast<size_t>(p)] = true;
    Z.row(t) = C.row(p);
    if (best <= floor) {  // the rest is explained already (duplicates): no new column
      F.col(t).setZero();
      continue;
    }
    Vector f = kernel.cross(C, C.row(p)).col(0);
    f.noalias() -= F.leftCols(t) * F.row(p).head(t).transpose();
    f /= std::sqrt(best);
    residual -= f.cwiseAbs2();
    F.col(t) = f;
  }
  return Z;
}

}  // namespace elbo::gp
