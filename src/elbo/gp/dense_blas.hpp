#pragma once
// The O(S T² + T³) kernels of the GP, as direct calls into OpenBLAS (cblas +
// LAPACK's dpotrf) on Eigen's column-major buffers. Only this module links
// OpenBLAS, and EIGEN_USE_BLAS is not defined, so Eigen's own code (and its
// template instantiations shared with other modules) stays as it is everywhere.
// The BLAS pool's size is elbo::set_num_threads's (OpenBLAS's setter, found at
// run time), which the CLI's --threads calls.
#include <Eigen/Core>

namespace elbo::gp::blas {

using Matrix = Eigen::MatrixXd;

/// C ← α op(A) op(B) + β C (C resized when β = 0).
void gemm(bool trans_a, bool trans_b, double alpha, const Matrix& A, const Matrix& B, double beta, Matrix& C);

/// C ← α A Aᵀ + β C (trans = false) or α Aᵀ A + β C; both triangles are filled
/// (C resized when β = 0).
void syrk(bool trans, double alpha, const Matrix& A, double beta, Matrix& C);

/// B ← op(L)⁻¹ B (left = true) or B op(L)⁻¹, L lower triangular (its upper
/// triangle is not read).
void trsm(bool left, bool trans, const Matrix& L, Matrix& B);

/// B ← op(L) B (left = true) or B op(L), L lower triangular.
void trmm(bool left, bool trans, const Matrix& L, Matrix& B);

/// In place: A (symmetric, lower triangle read) → its lower Cholesky factor, the
/// upper triangle zeroed. False (A then unspecified) when A is not positive definite.
bool potrf(Matrix& A);

/// L⁻¹ for lower triangular L (lower triangular).
Matrix tri_inverse(const Matrix& L);

/// The BLAS pool's size (OpenBLAS's, found at run time; 1 for another BLAS).
int pool_threads();

}  // namespace elbo::gp::blas
