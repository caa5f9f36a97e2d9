#include "elbo/gp/jittered_cholesky.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>

#include "elbo/core/error.hpp"
#include "elbo/gp/dense_blas.hpp"

namespace elbo::gp {

Eigen::MatrixXd jittered_cholesky(const Eigen::MatrixXd& K, double jitter, const char* what) {
  const double mean_diag = K.diagonal().mean();
  if (!std::isfinite(mean_diag)) throw NumericalError(fmt::format("{} has non-finite entries", what));
  double eps = jitter;
  Eigen::MatrixXd Kj;
  while (true) {
    Kj = K;
    Kj.diagonal().array() += eps * mean_diag;
    if (blas::potrf(Kj)) return Kj;
    if (eps >= 1e-2) break;
    eps = eps > 0 ? std::min(eps * 10, 1e-2) : 1e-10;
  }
  throw NumericalError(fmt::format(
      "{} ({}×{}) is not positive definite even with jitter {:g}×mean(diag): inducing points may coincide, "
      "or the kernel's lengthscales are extreme",
      what, K.rows(), K.cols(), eps));
}

Eigen::MatrixXd cholesky_backward(const Eigen::MatrixXd& L, const Eigen::MatrixXd& L_bar) {
  Eigen::MatrixXd P = L_bar.triangularView<Eigen::Lower>();
  blas::trmm(true, true, L, P);  // Lᵀ tril(L̄)
  P.triangularView<Eigen::StrictlyUpper>().setZero();
  P.diagonal() *= 0.5;
  // S = L⁻ᵀ P L⁻¹: two triangular solves.
  blas::trsm(true, true, L, P);   // L⁻ᵀ P
  blas::trsm(false, false, L, P);  // (L⁻ᵀ P) L⁻¹
  return 0.5 * (P + P.transpose());
}

}  // namespace elbo::gp
