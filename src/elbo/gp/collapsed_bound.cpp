#include "elbo/gp/collapsed_bound.hpp"

#include <Eigen/Cholesky>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/gp/jittered_cholesky.hpp"

namespace elbo::gp {

CollapsedBound collapsed_bound(const Kernel& kernel, const Matrix& X, const Vector& y, const Matrix& Z,
                               double noise_variance, double jitter) {
  const double M = static_cast<double>(X.rows()), sigma = std::sqrt(noise_variance);
  const Matrix L = jittered_cholesky(kernel.cross(Z, Z), jitter, "K_TT");
  Matrix A = kernel.cross(Z, X);
  L.triangularView<Eigen::Lower>().solveInPlace(A);  // L⁻¹ K_zf
  A /= sigma;
  Matrix B = A * A.transpose();
  const double trace_q = B.trace();  // tr(Q)/σ²
  B.diagonal().array() += 1.0;
  Eigen::LLT<Matrix> llt(B);
  if (llt.info() != Eigen::Success) throw NumericalError("collapsed bound: I + AAᵀ is not positive definite");
  const Matrix LB = llt.matrixL();
  const Vector Ay = A * y / sigma;
  const Vector c = LB.triangularView<Eigen::Lower>().solve(Ay);
  CollapsedBound out;
  // log N(y; 0, Q + σ²I) by the matrix determinant lemma and Woodbury.
  out.value = -0.5 * M * std::log(2 * M_PI) - LB.diagonal().array().log().sum() - 0.5 * M * std::log(noise_variance) -
              0.5 * y.squaredNorm() / noise_variance + 0.5 * c.squaredNorm() -
              0.5 * (kernel.diag(X).sum() / noise_variance - trace_q);
  // Optimal q(v): Σ = (I + AAᵀ)⁻¹ = LB⁻ᵀ LB⁻¹, μ = Σ A y/σ.
  out.q_mean = LB.transpose().triangularView<Eigen::Upper>().solve(c);
  Matrix Sigma = LB.triangularView<Eigen::Lower>().solve(Matrix::Identity(LB.rows(), LB.cols()));
  Sigma = Sigma.transpose() * Sigma;
  out.q_chol = Eigen::LLT<Matrix>(Sigma).matrixL();
  return out;
}

}  // namespace elbo::gp
