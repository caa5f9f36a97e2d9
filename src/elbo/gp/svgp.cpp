#include "elbo/gp/svgp.hpp"

#include <Eigen/Cholesky>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/gp/dense_blas.hpp"
#include "elbo/gp/jittered_cholesky.hpp"

namespace elbo::gp {

Svgp::Svgp(std::unique_ptr<Kernel> kernel, std::unique_ptr<Likelihood> likelihood, Matrix inducing, double jitter)
    : kernel_(std::move(kernel)),
      likelihood_(std::move(likelihood)),
      Z_(std::move(inducing)),
      mu_(Vector::Zero(Z_.rows())),
      Ls_(Matrix::Identity(Z_.rows(), Z_.rows())),
      jitter_(jitter) {}

Svgp::Svgp(const Svgp& o)
    : kernel_(o.kernel_->clone()), likelihood_(o.likelihood_->clone()), Z_(o.Z_), mu_(o.mu_), Ls_(o.Ls_),
      jitter_(o.jitter_) {}

double Svgp::kl() const {
  const double T = static_cast<double>(mu_.size());
  return 0.5 * (Ls_.squaredNorm() + mu_.squaredNorm() - T) - Ls_.diagonal().array().abs().log().sum();
}

void Svgp::project(const Matrix& X, Matrix& L, Matrix& A) const {
  L = jittered_cholesky(kernel_->cross(Z_, Z_), jitter_, "K_TT");
  A = kernel_->cross(Z_, X);
  blas::trsm(true, false, L, A);  // L⁻¹ K_zx, T×S
}

double Svgp::elbo(const Matrix& X, const Vector& y, double scale, SvgpGradient* grad) const {
  Matrix L, A;
  project(X, L, A);
  return elbo_from(L, A, X, y, scale, grad);
}

double Svgp::natural_gradient_step(const Matrix& X, const Vector& y, double scale, double rho) {
  Matrix L, A;
  project(X, L, A);
  return natural_step_from(A, X, y, scale, rho);
}

double Svgp::natural_step_then_elbo(const Matrix& X, const Vector& y, double step_scale, double rho, double scale,
                                    SvgpGradient* grad) {
  Matrix L, A;
  project(X, L, A);  // the step moves only q(v): L and A serve both
  natural_step_from(A, X, y, step_scale, rho);
  return elbo_from(L, A, X, y, scale, grad);
}

double Svgp::elbo_from(const Matrix& L, const Matrix& A, const Matrix& X, const Vector& y, double scale,
                       SvgpGradient* grad) const {
  Matrix B = A;
  blas::trmm(true, true, Ls_, B);  // L_Sᵀ A
  const Vector kdiag = kernel_->diag(X);
  const Vector m = A.transpose() * mu_;
  const Vector v = (kdiag - A.colwise().squaredNorm().transpose() + B.colwise().squaredNorm().transpose())
                       .cwiseMax(1e-12);
  Vector dm, dv;
  Vector dlik = Vector::Zero(likelihood_->num_params());
  const double ell = likelihood_->expected_log_lik(y, m, v, dm, dv, grad ? dlik.data() : nullptr);
  const double value = scale * ell - kl();
  if (!grad) return value;

  dm *= scale;
  dv *= scale;
  grad->likelihood = scale * dlik;
  // Through m = Aᵀμ and v = k − ‖a‖² + ‖L_Sᵀa‖².
  const Matrix Adv = A * dv.asDiagonal();
  Matrix A_bar = mu_ * dm.transpose() - 2.0 * Adv;
  Matrix LsBdv = 2.0 * B * dv.asDiagonal();
  blas::trmm(true, false, Ls_, LsBdv);  // L_S (2 B diag(dv))
  A_bar += LsBdv;
  grad->q_mean = A * dm - mu_;
  Matrix Ls_bar;
  blas::gemm(false, true, 2.0, Adv, B, 0.0, Ls_bar);  // 2 A diag(dv) Bᵀ
  Ls_bar -= Ls_;  // −KL: −L_S + diag(1/L_S,tt)
  Ls_bar.diagonal().array() += Ls_.diagonal().array().inverse();
  grad->q_chol = Ls_bar.triangularView<Eigen::Lower>();
  // Through A = L⁻¹ K_zx.
  Matrix Kzx_bar = std::move(A_bar);
  blas::trsm(true, true, L, Kzx_bar);  // L⁻ᵀ Ā
  Matrix L_bar;
  blas::gemm(false, true, -1.0, Kzx_bar, A, 0.0, L_bar);
  const Matrix Kzz_bar = cholesky_backward(L, L_bar);
  grad->kernel = Vector::Zero(kernel_->num_params());
  grad->inducing = Matrix::Zero(Z_.rows(), Z_.cols());
  kernel_->backprop(Z_, X, Kzx_bar, grad->kernel.data(), &grad->inducing);
  Matrix dZ_zz = Matrix::Zero(Z_.rows(), Z_.cols());
  kernel_->backprop(Z_, Z_, Kzz_bar, grad->kernel.data(), &dZ_zz);
  grad->inducing += 2.0 * dZ_zz;  // Z is both arguments of K_zz (symmetric Kzz_bar)
  kernel_->backprop_diag(X, dv, grad->kernel.data());
  return value;
}

double Svgp::natural_step_from(const Matrix& A, const Matrix& X, const Vector& y, double scale, double rho) {
  const Eigen::Index T = mu_.size();
  Matrix B = A;
  blas::trmm(true, true, Ls_, B);
  const Vector m = A.transpose() * mu_;
  const Vector v = (kernel_->diag(X) - A.colwise().squaredNorm().transpose() + B.colwise().squaredNorm().transpose())
                       .cwiseMax(1e-12);
  Vector dm, dv;
  likelihood_->expected_log_lik(y, m, v, dm, dv, nullptr);
  // ∂E/∂S = A diag(c dv) Aᵀ, ∂E/∂μ = A c dm; η-gradients g₂ = ∂E/∂S, g₁ = ∂E/∂μ − 2 g₂ μ.
  Matrix g2;
  if ((dv.array() <= 0).all()) {  // log-concave likelihoods: −(A √−c dv)(A √−c dv)ᵀ, one syrk
    const Matrix As = A * (-scale * dv).cwiseSqrt().asDiagonal();
    blas::syrk(false, -1.0, As, 0.0, g2);
  } else {
    blas::gemm(false, true, 1.0, A * (scale * dv).asDiagonal(), A, 0.0, g2);
  }
  const Vector g1 = scale * (A * dm) - 2.0 * g2 * mu_;
  // Current natural parameters: precision Λ = S⁻¹ (θ₂ = −½Λ) and θ₁ = Λμ.
  const Matrix Ls_inv = blas::tri_inverse(Ls_);
  Matrix Lambda;
  blas::syrk(true, 1.0, Ls_inv, 0.0, Lambda);  // L_S⁻ᵀ L_S⁻¹
  const Vector theta1 = Lambda * mu_;
  const Matrix target_precision = Matrix::Identity(T, T) - 2.0 * g2;
  for (int attempt = 0; attempt < 30; ++attempt, rho *= 0.5) {
    Matrix P = (1 - rho) * Lambda + rho * target_precision;
    P = 0.5 * (P + P.transpose());
    if (!blas::potrf(P)) continue;  // P → L_P
    Vector t1 = (1 - rho) * theta1 + rho * g1;
    // S = P⁻¹ = L_P⁻ᵀ L_P⁻¹; L_S its Cholesky factor; μ = S t₁.
    const Matrix LP_inv = blas::tri_inverse(P);
    Matrix Snew;
    blas::syrk(true, 1.0, LP_inv, 0.0, Snew);
    if (!blas::potrf(Snew)) continue;
    P.triangularView<Eigen::Lower>().solveInPlace(t1);
    P.triangularView<Eigen::Lower>().transpose().solveInPlace(t1);
    mu_ = std::move(t1);
    Ls_ = std::move(Snew);
    return rho;
  }
  throw NumericalError("natural-gradient step: q(u)'s precision stays indefinite at every step size");
}

void Svgp::predict_latent(const Matrix& Xs, Vector& mean, Vector& var, Eigen::Index batch) const {
  const Matrix L = jittered_cholesky(kernel_->cross(Z_, Z_), jitter_, "K_TT");
  mean.resize(Xs.rows());
  var.resize(Xs.rows());
  for (Eigen::Index start = 0; start < Xs.rows(); start += batch) {
    const Eigen::Index n = std::min(batch, Xs.rows() - start);
    const Matrix Xb = Xs.middleRows(start, n);
    Matrix A = kernel_->cross(Z_, Xb);
    blas::trsm(true, false, L, A);
    Matrix B = A;
    blas::trmm(true, true, Ls_, B);
    mean.segment(start, n) = A.transpose() * mu_;
    var.segment(start, n) =
        (kernel_->diag(Xb) - A.colwise().squaredNorm().transpose() + B.colwise().squaredNorm().transpose())
            .cwiseMax(0.0);
  }
}

double unwhitened_elbo(const Svgp& model, const Matrix& X, const Vector& y, double scale, const Vector& m_u,
                       const Matrix& S_u) {
  const Kernel& k = model.kernel();
  const Eigen::Index T = m_u.size();
  const Matrix L = jittered_cholesky(k.cross(model.inducing(), model.inducing()), model.jitter(), "K_TT");
  const Matrix Kzz = L * L.transpose();  // the jittered K_zz that the whitened model uses
  Eigen::LLT<Matrix> llt(Kzz);
  const Matrix Kzx = k.cross(model.inducing(), X);
  const Matrix W = llt.solve(Kzx);  // K_zz⁻¹ K_zx
  const Vector m = W.transpose() * m_u;
  const Vector v = (k.diag(X) - (Kzx.array() * W.array()).colwise().sum().matrix().transpose() +
                    (W.array() * (S_u * W).array()).colwise().sum().matrix().transpose())
                       .cwiseMax(1e-12);
  Vector dm, dv;
  const double ell = model.likelihood().expected_log_lik(y, m, v, dm, dv, nullptr);
  // KL(N(m, S) ‖ N(0, K)) = ½(tr K⁻¹S + mᵀK⁻¹m − T + log|K| − log|S|).
  Eigen::LLT<Matrix> s_llt(S_u);
  const double logdet_K = 2.0 * Matrix(llt.matrixL()).diagonal().array().log().sum();
  const double logdet_S = 2.0 * Matrix(s_llt.matrixL()).diagonal().array().log().sum();
  const double kl = 0.5 * (llt.solve(S_u).trace() + m_u.dot(llt.solve(m_u)) - static_cast<double>(T) + logdet_K -
                           logdet_S);
  return scale * ell - kl;
}

}  // namespace elbo::gp
