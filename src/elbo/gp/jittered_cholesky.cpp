#include "elbo/gp/jittered_cholesky.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>

#include "elbo/core/error.hpp"

namespace elbo::gp {

Eigen::MatrixXd jittered_cholesky(const Eigen::MatrixXd& K, double jitter, const char* what) {
  const double mean_diag = K.diagonal().mean();
  if (!std::isfinite(mean_diag)) throw NumericalError(fmt::format("{} has non-finite entries", what));
  double eps = jitter;
  Eigen::MatrixXd Kj = K;
  while (true) {
    Kj.diagonal() = K.diagonal().array() + eps * mean_diag;
    Eigen::LLT<Eigen::MatrixXd> llt(Kj);
    if (llt.info() == Eigen::Success) return llt.matrixL();
    if (eps >= 1e-2) break;
    eps = eps > 0 ? std::min(eps * 10, 1e-2) : 1e-10;
  }
  throw NumericalError(fmt::format(
      "{} ({}×{}) is not positive definite even with jitter {:g}×mean(diag): inducing points may coincide, "
      "or the kernel's lengthscales are extreme",
      what, K.rows(), K.cols(), eps));
}

Eigen::MatrixXd cholesky_backward(const Eigen::MatrixXd& L, const Eigen::MatrixXd& L_bar) {
  Eigen::MatrixXd P = L.transpose() * L_bar.triangularView<Eigen::Lower>();
  P = P.triangularView<Eigen::Lower>();
  P.diagonal() *= 0.5;
  // S = L⁻ᵀ P L⁻¹: two triangular solves.
  const auto Lt = L.triangularView<Eigen::Lower>();
  Lt.transpose().solveInPlace(P);                         // L⁻ᵀ P
  Eigen::MatrixXd S = Lt.transpose().solve(P.transpose()).transpose();  // (L⁻ᵀ (L⁻ᵀ P)ᵀ)ᵀ = L⁻ᵀ P L⁻¹
  return 0.5 * (S + S.transpose());
}

}  // namespace elbo::gp
