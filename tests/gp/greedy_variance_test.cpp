// Greedy variance selection: each pick is the row whose variance given the rows
// picked before is largest, checked against conditional variances computed
// independently (a dense Cholesky of K_ZZ per step); duplicates are never picked
// while a new row remains.
#include <gtest/gtest.h>

#include <Eigen/Cholesky>

#include <set>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/gp/greedy_variance.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "gp_test_support.hpp"

namespace elbo::gp {
namespace {

// Var f(x_i) | f(Z) = k(x_i, x_i) − k_iZ K_ZZ⁻¹ k_Zi for every row.
Vector conditional_variance(const Kernel& k, const Matrix& X, const Matrix& Z) {
  Vector v = k.diag(X);
  if (Z.rows() == 0) return v;
  const Eigen::LLT<Matrix> llt(k.cross(Z, Z));
  const Matrix Kzx = k.cross(Z, X);
  const Matrix Lk = llt.matrixL().solve(Kzx);
  return v - Lk.colwise().squaredNorm().transpose();
}

// The row of X that equals z, or −1.
Eigen::Index row_of(const Matrix& X, const Eigen::RowVectorXd& z) {
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    if (X.row(i) == z) return i;
  return -1;
}

TEST(GreedyVariance, EachPickHasTheLargestVarianceGivenThePicksBefore) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(80, 3, 7, X, y);
  for (const char* spec : {"rbf", "matern32+linear"}) {
    const auto k = make_kernel(spec, 3, 0.8);
    const Matrix Z = greedy_variance_points(*k, X, 15, 1);
    ASSERT_EQ(Z.rows(), 15);
    std::set<Eigen::Index> rows;
    for (Eigen::Index t = 0; t < Z.rows(); ++t) {
      const Eigen::Index i = row_of(X, Z.row(t));
      ASSERT_GE(i, 0) << spec << ": pick " << t << " is not a row of X";
      EXPECT_TRUE(rows.insert(i).second) << spec << ": row " << i << " picked twice";
      const Vector v = conditional_variance(*k, X, Z.topRows(t));
      EXPECT_NEAR(v[i], v.maxCoeff(), 1e-9 * v.maxCoeff()) << spec << ", pick " << t;
    }
  }
}

TEST(GreedyVariance, PicksEveryDistinctRowBeforeAnyDuplicate) {
  Matrix base;
  Vector y;
  testing::synthetic_regression(10, 2, 3, base, y);
  Matrix X(30, 2);
  X << base, base, base;  // every row three times
  const auto k = make_kernel("rbf", 2, 1.0);
  const Matrix Z = greedy_variance_points(*k, X, 10, 1);
  std::set<Eigen::Index> distinct;
  for (Eigen::Index t = 0; t < Z.rows(); ++t) distinct.insert(row_of(base, Z.row(t)));
  EXPECT_EQ(distinct.size(), 10u);
  EXPECT_EQ(distinct.count(-1), 0u);
}

TEST(GreedyVariance, SamplesLargeDataAndRefusesMorePointsThanRows) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(500, 2, 5, X, y);
  const auto k = make_kernel("rbf", 2, 1.0);
  const Matrix Z = greedy_variance_points(*k, X, 20, 9, /*max_rows=*/100);
  const Matrix again = greedy_variance_points(*k, X, 20, 9, 100);
  EXPECT_EQ(Z, again);  // seeded
  for (Eigen::Index t = 0; t < Z.rows(); ++t) EXPECT_GE(row_of(X, Z.row(t)), 0);
  EXPECT_THROW(greedy_variance_points(*k, X.topRows(5), 6, 1), ConfigError);
}

}  // namespace
}  // namespace elbo::gp
