#include "elbo/gp/collapsed_bound.hpp"

#include <Eigen/Cholesky>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/gp/dense_blas.hpp"
#include "elbo/gp/jittered_cholesky.hpp"

namespace elbo::gp {

CollapsedBound collapsed_bound(const Kernel& kernel, const Matrix& X, const Vector& y, const Matrix& Z,
                               double noise_variance, double jitter) {
  const double M = static_cast<double>(X.rows()), sigma = std::sqrt(noise_variance);
  const Matrix L = jittered_cholesky(kernel.cross(Z, Z), jitter, "K_TT");
  Matrix A = kernel.cross(Z, X);
  blas::trsm(true, false, L, A);  // L⁻¹ K_zf
  A /= sigma;
  Matrix LB;
  blas::syrk(false, 1.0, A, 0.0, LB);  // AAᵀ
  const double trace_q = LB.trace();   // tr(Q)/σ²
  LB.diagonal().array() += 1.0;
  if (!blas::potrf(LB)) throw NumericalError("collapsed bound: I + AAᵀ is not positive definite");
  const Vector Ay = A * y / sigma;
  const Vector c = LB.triangularView<Eigen::Lower>().solve(Ay);
  CollapsedBound out;
  // log N(y; 0, Q + σ²I) by the matrix determinant lemma and Woodbury.
  out.value = -0.5 * M * std::log(2 * M_PI) - LB.diagonal().array().log().sum() - 0.5 * M * std::log(noise_variance) -
              0.5 * y.squaredNorm() / noise_variance + 0.5 * c.squaredNorm() -
              0.5 * (kernel.diag(X).sum() / noise_variance - trace_q);
  // Optimal q(v): Σ = (I + AAᵀ)⁻¹ = LB⁻ᵀ LB⁻¹, μ = Σ A y/σ.
  out.q_mean = LB.transpose().triangularView<Eigen::Upper>().solve(c);
  Matrix Sigma;
  blas::syrk(true, 1.0, blas::tri_inverse(LB), 0.0, Sigma);  // LB⁻ᵀ LB⁻¹
  if (!blas::potrf(Sigma)) throw NumericalError("collapsed bound: (I + AAᵀ)⁻¹ is not positive definite");
  out.q_chol = std::move(Sigma);
  return out;
}

}  // namespace elbo::gp
