// The OpenBLAS wrappers behind the GP's dense kernels, each against Eigen's own
// products, solves and Cholesky factor on random (non-square) column-major matrices.
#include <gtest/gtest.h>

#include <Eigen/Cholesky>

#include <random>

#include "elbo/gp/dense_blas.hpp"

namespace elbo::gp {
namespace {

Eigen::MatrixXd random_matrix(Eigen::Index r, Eigen::Index c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  Eigen::MatrixXd A(r, c);
  for (Eigen::Index j = 0; j < c; ++j)
    for (Eigen::Index i = 0; i < r; ++i) A(i, j) = n01(rng);
  return A;
}

Eigen::MatrixXd random_lower(Eigen::Index n, uint64_t seed) {
  Eigen::MatrixXd L = random_matrix(n, n, seed).triangularView<Eigen::Lower>();
  L.diagonal() = L.diagonal().cwiseAbs().array() + 1.0;  // well conditioned
  return L;
}

TEST(GpDenseBlas, GemmMatchesEigenInEveryTransposition) {
  const Eigen::MatrixXd A = random_matrix(7, 5, 1), B = random_matrix(5, 9, 2);
  Eigen::MatrixXd C;
  blas::gemm(false, false, 2.0, A, B, 0.0, C);
  EXPECT_LT((C - 2.0 * A * B).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::MatrixXd At = A.transpose(), Bt = B.transpose();
  Eigen::MatrixXd C2 = Eigen::MatrixXd::Ones(7, 9);
  blas::gemm(true, true, -1.0, At, Bt, 0.5, C2);  // β ≠ 0 accumulates
  EXPECT_LT((C2 - (0.5 * Eigen::MatrixXd::Ones(7, 9) - A * B)).cwiseAbs().maxCoeff(), 1e-12);
  Eigen::MatrixXd C3;
  blas::gemm(false, true, 1.0, A, A, 0.0, C3);  // A Aᵀ
  EXPECT_EQ(C3.rows(), 7);
  EXPECT_EQ(C3.cols(), 7);
  EXPECT_LT((C3 - A * A.transpose()).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_THROW(blas::gemm(false, true, 1.0, A, At, 0.0, C), std::invalid_argument);
}

TEST(GpDenseBlas, SyrkFillsBothTriangles) {
  const Eigen::MatrixXd A = random_matrix(6, 11, 3);
  Eigen::MatrixXd C;
  blas::syrk(false, 1.5, A, 0.0, C);
  EXPECT_LT((C - 1.5 * A * A.transpose()).cwiseAbs().maxCoeff(), 1e-12);
  blas::syrk(true, -1.0, A, 0.0, C);
  EXPECT_EQ(C.rows(), 11);
  EXPECT_LT((C + A.transpose() * A).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(GpDenseBlas, TriangularSolvesAndProductsMatchEigen) {
  const Eigen::MatrixXd L = random_lower(6, 4), B = random_matrix(6, 10, 5), Br = random_matrix(10, 6, 6);
  const auto Lt = L.triangularView<Eigen::Lower>();
  Eigen::MatrixXd X = B;
  blas::trsm(true, false, L, X);
  EXPECT_LT((X - Lt.solve(B)).cwiseAbs().maxCoeff(), 1e-12);
  X = B;
  blas::trsm(true, true, L, X);
  EXPECT_LT((X - Lt.transpose().solve(B)).cwiseAbs().maxCoeff(), 1e-12);
  X = Br;
  blas::trsm(false, false, L, X);  // Br L⁻¹
  EXPECT_LT((X * L - Br).cwiseAbs().maxCoeff(), 1e-12);
  X = B;
  blas::trmm(true, true, L, X);
  EXPECT_LT((X - L.transpose() * B).cwiseAbs().maxCoeff(), 1e-12);
  X = B;
  blas::trmm(true, false, L, X);
  EXPECT_LT((X - L * B).cwiseAbs().maxCoeff(), 1e-12);
  // The upper triangle is not read.
  Eigen::MatrixXd Lg = L;
  Lg.triangularView<Eigen::StrictlyUpper>().setConstant(99.0);
  X = B;
  blas::trsm(true, false, Lg, X);
  EXPECT_LT((X - Lt.solve(B)).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::MatrixXd Linv = blas::tri_inverse(L);
  EXPECT_LT((Linv * L - Eigen::MatrixXd::Identity(6, 6)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_EQ(Linv(0, 5), 0.0);
}

TEST(GpDenseBlas, PotrfMatchesEigenAndRejectsIndefinite) {
  const Eigen::MatrixXd G = random_matrix(8, 12, 7);
  Eigen::MatrixXd K = G * G.transpose();
  const Eigen::MatrixXd expected = Eigen::LLT<Eigen::MatrixXd>(K).matrixL();
  ASSERT_TRUE(blas::potrf(K));
  EXPECT_LT((K - expected).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_EQ(K(0, 7), 0.0);
  Eigen::MatrixXd indefinite = Eigen::MatrixXd::Identity(3, 3);
  indefinite(2, 2) = -1.0;
  EXPECT_FALSE(blas::potrf(indefinite));
}

}  // namespace
}  // namespace elbo::gp
