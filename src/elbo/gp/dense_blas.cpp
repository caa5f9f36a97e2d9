#include "elbo/gp/dense_blas.hpp"

#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>

#include "elbo/core/error.hpp"

extern "C" void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);

namespace elbo::gp::blas {

namespace {

int dim(Eigen::Index n) { return static_cast<int>(n); }
int ld(const Matrix& A) { return dim(std::max<Eigen::Index>(1, A.rows())); }
CBLAS_TRANSPOSE op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

}  // namespace

void gemm(bool trans_a, bool trans_b, double alpha, const Matrix& A, const Matrix& B, double beta, Matrix& C) {
  const Eigen::Index m = trans_a ? A.cols() : A.rows(), k = trans_a ? A.rows() : A.cols();
  const Eigen::Index kb = trans_b ? B.cols() : B.rows(), n = trans_b ? B.rows() : B.cols();
  if (k != kb) throw ConfigError("gp::blas::gemm: inner dimensions differ");
  if (beta == 0.0) C.resize(m, n);
  else if (C.rows() != m || C.cols() != n) throw ConfigError("gp::blas::gemm: C has the wrong shape");
  if (m == 0 || n == 0) return;
  if (k == 0) {
    C *= beta;
    return;
  }
  cblas_dgemm(CblasColMajor, op(trans_a), op(trans_b), dim(m), dim(n), dim(k), alpha, A.data(), ld(A), B.data(),
              ld(B), beta, C.data(), ld(C));
}

void syrk(bool trans, double alpha, const Matrix& A, double beta, Matrix& C) {
  const Eigen::Index n = trans ? A.cols() : A.rows(), k = trans ? A.rows() : A.cols();
  if (beta == 0.0) C.resize(n, n);
  else if (C.rows() != n || C.cols() != n) throw ConfigError("gp::blas::syrk: C has the wrong shape");
  if (n == 0) return;
  if (k == 0) {
    C *= beta;
    return;
  }
  cblas_dsyrk(CblasColMajor, CblasLower, op(trans), dim(n), dim(k), alpha, A.data(), ld(A), beta, C.data(), ld(C));
  C.triangularView<Eigen::StrictlyUpper>() = C.transpose();
}

void trsm(bool left, bool trans, const Matrix& L, Matrix& B) {
  if (L.rows() != L.cols() || (left ? B.rows() : B.cols()) != L.rows())
    throw ConfigError("gp::blas::trsm: shapes differ");
  if (B.size() == 0) return;
  cblas_dtrsm(CblasColMajor, left ? CblasLeft : CblasRight, CblasLower, op(trans), CblasNonUnit, dim(B.rows()),
              dim(B.cols()), 1.0, L.data(), ld(L), B.data(), ld(B));
}

void trmm(bool left, bool trans, const Matrix& L, Matrix& B) {
  if (L.rows() != L.cols() || (left ? B.rows() : B.cols()) != L.rows())
    throw ConfigError("gp::blas::trmm: shapes differ");
  if (B.size() == 0) return;
  cblas_dtrmm(CblasColMajor, left ? CblasLeft : CblasRight, CblasLower, op(trans), CblasNonUnit, dim(B.rows()),
              dim(B.cols()), 1.0, L.data(), ld(L), B.data(), ld(B));
}

bool potrf(Matrix& A) {
  if (A.rows() != A.cols()) throw ConfigError("gp::blas::potrf: the matrix is not square");
  const int n = dim(A.rows()), lda = ld(A);
  int info = 0;
  if (n > 0) dpotrf_("L", &n, A.data(), &lda, &info);
  if (info != 0) return false;
  A.triangularView<Eigen::StrictlyUpper>().setZero();
  return true;
}

Matrix tri_inverse(const Matrix& L) {
  Matrix I = Matrix::Identity(L.rows(), L.cols());
  trsm(true, false, L, I);
  I.triangularView<Eigen::StrictlyUpper>().setZero();
  return I;
}

int pool_threads() {
  static const auto get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get ? std::max(1, get()) : 1;
}

}  // namespace elbo::gp::blas
