#include "elbo/gp/collapsed_bound.hpp"

#include <Eigen/Cholesky>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/gp/dense_blas.hpp"
#include "elbo/gp/jittered_cholesky.hpp"
#include "elbo/gp/kernel_blocks.hpp"

namespace elbo::gp {

namespace {

// Writes the gradient. With Â = L⁻¹K_zf, q(v) = N(μ, Σ) fixed at its optimum and
// r = y − Âᵀμ, the SVGP ELBO is
//   −M/2 log 2πσ² − (‖r‖² + Σk_ii − ‖Â‖² + tr ΣÂÂᵀ)/(2σ²) − KL,
// so ∂/∂Â = (μrᵀ + (I − Σ)Â)/σ², ∂/∂k_ii = −1/(2σ²), and through Â = L⁻¹K_zf:
// ∂/∂K_zf = (m rᵀ + W K_zf)/σ², m = L⁻ᵀμ, W = L⁻ᵀ(I − Σ)L⁻¹; ∂/∂L = −L⁻ᵀ(∂/∂Â)Âᵀ,
// where ÂÂᵀ = σ²(B − I) is already known (B = I + AAᵀ).
void bound_gradient(const Kernel& kernel, const Matrix& X, const Vector& y, const Matrix& Z, double sigma2,
                    const Matrix& L, const Matrix& Kzf, const Matrix& AAt, const Vector& Ahat_y, const Vector& mu,
                    const Matrix& Sigma, double trace_q, CollapsedBoundGradient& grad) {
  const Eigen::Index T = Z.rows();
  const double M = static_cast<double>(X.rows());
  const Matrix P = sigma2 * AAt;  // ÂÂᵀ
  const Vector m = L.transpose().triangularView<Eigen::Upper>().solve(mu);
  const Vector r = y - Kzf.transpose() * m;  // Âᵀμ = K_fz L⁻ᵀμ
  const Vector Ahat_r = Ahat_y - P * mu;
  const Matrix I_minus_Sigma = Matrix::Identity(T, T) - Sigma;
  Matrix W = I_minus_Sigma;
  blas::trsm(true, true, L, W);   // L⁻ᵀ(I − Σ)
  blas::trsm(false, false, L, W); // … L⁻¹
  W = 0.5 * (W + W.transpose());
  Matrix Kzf_bar = (m / sigma2) * r.transpose();
  blas::gemm(false, false, 1.0 / sigma2, W, Kzf, 1.0, Kzf_bar);  // the T × M products scaled in passing
  Matrix L_bar = mu * Ahat_r.transpose();
  blas::gemm(false, false, 1.0, I_minus_Sigma, P, 1.0, L_bar);  // T³: OpenBLAS, not Eigen's generic product
  L_bar /= -sigma2;                                             // −(∂/∂Â)Âᵀ
  blas::trsm(true, true, L, L_bar);  // L⁻ᵀ …
  const Matrix Kzz_bar = cholesky_backward(L, L_bar);

  grad.kernel = Vector::Zero(kernel.num_params());
  grad.inducing = Matrix::Zero(T, Z.cols());
  backprop_by_blocks(kernel, Z, X, Kzf_bar, grad.kernel.data(), &grad.inducing);
  Matrix dZ_zz = Matrix::Zero(T, Z.cols());
  kernel.backprop(Z, Z, Kzz_bar, grad.kernel.data(), &dZ_zz);
  grad.inducing += 2.0 * dZ_zz;  // Z is both arguments of K_zz (symmetric Kzz_bar)
  const Vector kdiag = kernel.diag(X);
  kernel.backprop_diag(X, Vector::Constant(X.rows(), -0.5 / sigma2), grad.kernel.data());
  // ‖Â‖² = tr ÂÂᵀ = σ² trace_q; tr ΣÂÂᵀ = Σ_ij Σ_ij P_ij.
  grad.log_noise = -0.5 * M + 0.5 / sigma2 *
                                  (r.squaredNorm() + kdiag.sum() - sigma2 * trace_q + (Sigma.array() * P.array()).sum());
}

}  // namespace

CollapsedBound collapsed_bound(const Kernel& kernel, const Matrix& X, const Vector& y, const Matrix& Z,
                               double noise_variance, double jitter, CollapsedBoundGradient* grad) {
  const double M = static_cast<double>(X.rows());
  const Matrix L = jittered_cholesky(kernel.cross(Z, Z), jitter, "K_TT");
  Matrix Kzf = cross_by_blocks(kernel, Z, X);
  Matrix Ahat = grad ? Kzf : std::move(Kzf);  // only the gradient reads K_zf again
  blas::trsm(true, false, L, Ahat);           // Â = L⁻¹ K_zf
  const Vector Ahat_y = Ahat * y;
  Matrix LB;
  blas::syrk(false, 1.0 / noise_variance, Ahat, 0.0, LB);  // AAᵀ with A = Â/σ
  Ahat.resize(0, 0);
  const Matrix AAt = grad ? LB : Matrix();
  const double trace_q = LB.trace();   // tr(Q)/σ²
  LB.diagonal().array() += 1.0;
  if (!blas::potrf(LB)) throw NumericalError("collapsed bound: I + AAᵀ is not positive definite");
  const Vector c = LB.triangularView<Eigen::Lower>().solve(Ahat_y / noise_variance);
  CollapsedBound out;
  // log N(y; 0, Q + σ²I) by the matrix determinant lemma and Woodbury.
  out.value = -0.5 * M * std::log(2 * M_PI) - LB.diagonal().array().log().sum() - 0.5 * M * std::log(noise_variance) -
              0.5 * y.squaredNorm() / noise_variance + 0.5 * c.squaredNorm() -
              0.5 * (kernel.diag(X).sum() / noise_variance - trace_q);
  // Optimal q(v): Σ = (I + AAᵀ)⁻¹ = LB⁻ᵀ LB⁻¹, μ = Σ A y/σ.
  out.q_mean = LB.transpose().triangularView<Eigen::Upper>().solve(c);
  Matrix Sigma;
  blas::syrk(true, 1.0, blas::tri_inverse(LB), 0.0, Sigma);  // LB⁻ᵀ LB⁻¹
  if (grad) bound_gradient(kernel, X, y, Z, noise_variance, L, Kzf, AAt, Ahat_y, out.q_mean, Sigma, trace_q, *grad);
  if (!blas::potrf(Sigma)) throw NumericalError("collapsed bound: (I + AAᵀ)⁻¹ is not positive definite");
  out.q_chol = std::move(Sigma);
  return out;
}

}  // namespace elbo::gp
