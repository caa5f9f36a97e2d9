#include "elbo/gp/svgp.hpp"

#include <Eigen/Cholesky>

#include <cmath>

#include "elbo/core/error.hpp"
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

double Svgp::elbo(const Matrix& X, const Vector& y, double scale, SvgpGradient* grad) const {
  const Matrix L = jittered_cholesky(kernel_->cross(Z_, Z_), jitter_, "K_TT");
  const auto Lt = L.triangularView<Eigen::Lower>();
  Matrix A = kernel_->cross(Z_, X);
  Lt.solveInPlace(A);                                                 // T×S
  const Matrix B = Ls_.triangularView<Eigen::Lower>().transpose() * A;  // L_Sᵀ A
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
  A_bar.noalias() += Ls_.triangularView<Eigen::Lower>() * (2.0 * B * dv.asDiagonal());
  grad->q_mean = A * dm - mu_;
  Matrix Ls_bar = 2.0 * Adv * B.transpose();
  Ls_bar -= Ls_;  // −KL: −L_S + diag(1/L_S,tt)
  Ls_bar.diagonal().array() += Ls_.diagonal().array().inverse();
  grad->q_chol = Ls_bar.triangularView<Eigen::Lower>();
  // Through A = L⁻¹ K_zx.
  Matrix Kzx_bar = A_bar;
  Lt.transpose().solveInPlace(Kzx_bar);  // L⁻ᵀ Ā
  const Matrix L_bar = -Kzx_bar * A.transpose();
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

double Svgp::natural_gradient_step(const Matrix& X, const Vector& y, double scale, double rho) {
  const Eigen::Index T = mu_.size();
  const Matrix L = jittered_cholesky(kernel_->cross(Z_, Z_), jitter_, "K_TT");
  Matrix A = kernel_->cross(Z_, X);
  L.triangularView<Eigen::Lower>().solveInPlace(A);
  const Matrix B = Ls_.triangularView<Eigen::Lower>().transpose() * A;
  const Vector m = A.transpose() * mu_;
  const Vector v = (kernel_->diag(X) - A.colwise().squaredNorm().transpose() + B.colwise().squaredNorm().transpose())
                       .cwiseMax(1e-12);
  Vector dm, dv;
  likelihood_->expected_log_lik(y, m, v, dm, dv, nullptr);
  // ∂E/∂S = A diag(c dv) Aᵀ, ∂E/∂μ = A c dm; η-gradients g₂ = ∂E/∂S, g₁ = ∂E/∂μ − 2 g₂ μ.
  const Matrix g2 = A * (scale * dv).asDiagonal() * A.transpose();
  const Vector g1 = scale * (A * dm) - 2.0 * g2 * mu_;
  // Current natural parameters: precision Λ = S⁻¹ (θ₂ = −½Λ) and θ₁ = Λμ.
  const Matrix Ls_inv = Ls_.triangularView<Eigen::Lower>().solve(Matrix::Identity(T, T));
  const Matrix Lambda = Ls_inv.transpose() * Ls_inv;
  const Vector theta1 = Lambda * mu_;
  const Matrix target_precision = Matrix::Identity(T, T) - 2.0 * g2;
  for (int attempt = 0; attempt < 30; ++attempt, rho *= 0.5) {
    Matrix P = (1 - rho) * Lambda + rho * target_precision;
    P = 0.5 * (P + P.transpose());
    Eigen::LLT<Matrix> llt(P);
    if (llt.info() != Eigen::Success) continue;
    const Vector t1 = (1 - rho) * theta1 + rho * g1;
    mu_ = llt.solve(t1);
    // S = P⁻¹; L_S its Cholesky factor.
    const Matrix LP_inv = Matrix(llt.matrixL()).triangularView<Eigen::Lower>().solve(Matrix::Identity(T, T));
    Eigen::LLT<Matrix> s_llt(LP_inv.transpose() * LP_inv);
    if (s_llt.info() != Eigen::Success) continue;
    Ls_ = s_llt.matrixL();
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
    L.triangularView<Eigen::Lower>().solveInPlace(A);
    const Matrix B = Ls_.triangularView<Eigen::Lower>().transpose() * A;
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
