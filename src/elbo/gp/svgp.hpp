#pragma once
// The stochastic variational GP (Hensman, Fusi & Lawrence 2013; Hensman, Matthews
// & Ghahramani 2015): T inducing inputs Z, u = f(Z) = L v with L Lᵀ = K_zz, and a
// whitened full-rank q(v) = N(μ, S), S = L_S L_Sᵀ, against p(v) = N(0, I). On a
// minibatch of S rows with scale c = M/S,
//   ELBO ≈ c Σ_i E_{q(f_i)}[log p(y_i | f_i)] − KL(q(v) ‖ N(0, I)),
//   q(f_i) = N(a_iᵀμ, k_ii − a_iᵀa_i + a_iᵀ S a_i),  A = L⁻¹ K_zx (T×S),
// in O(S T² + T³); never an M×M matrix. Gradients are reverse mode by hand
// through the triangular solves and the Cholesky factor (jittered_cholesky.hpp).
#include <Eigen/Core>

#include <memory>

#include "elbo/gp/kernel.hpp"
#include "elbo/gp/likelihood.hpp"

namespace elbo::gp {

/// The gradient of a minibatch ELBO, by block.
struct SvgpGradient {
  Vector kernel, likelihood;  // unconstrained parameters
  Matrix inducing;            // ∂/∂Z (T×D)
  Vector q_mean;              // ∂/∂μ
  Matrix q_chol;              // ∂/∂L_S (lower triangle)
};

/// What the natural-gradient step needs from a minibatch (the gradients of its
/// expected log likelihood in μ and S).
class Svgp {
 public:
  Svgp(std::unique_ptr<Kernel> kernel, std::unique_ptr<Likelihood> likelihood, Matrix inducing,
       double jitter = 1e-6);
  Svgp(const Svgp& other);

  Kernel& kernel() { return *kernel_; }
  const Kernel& kernel() const { return *kernel_; }
  Likelihood& likelihood() { return *likelihood_; }
  const Likelihood& likelihood() const { return *likelihood_; }
  Matrix& inducing() { return Z_; }
  const Matrix& inducing() const { return Z_; }
  Vector& q_mean() { return mu_; }
  const Vector& q_mean() const { return mu_; }
  /// Lower-triangular L_S (whitened coordinates).
  Matrix& q_chol() { return Ls_; }
  const Matrix& q_chol() const { return Ls_; }
  Eigen::Index num_inducing() const { return Z_.rows(); }
  double jitter() const { return jitter_; }

  /// KL(q(v) ‖ N(0, I)).
  double kl() const;
  /// The minibatch ELBO c Σ E[log p] − KL, and its gradient if `grad` is not null.
  double elbo(const Matrix& X, const Vector& y, double scale, SvgpGradient* grad = nullptr) const;
  /// One natural-gradient step of size ρ on q(v) (Hensman et al. 2013; Salimbeni,
  /// Eleftheriadis & Hensman 2018): θ ← (1 − ρ)θ + ρ(θ_prior + c ∇_η E[log p]) in
  /// natural parameters θ and expectation parameters η. For the Gaussian
  /// likelihood with ρ = 1 on the full data it lands on the collapsed bound's
  /// optimum. A step that leaves the precision indefinite (non-log-concave
  /// likelihoods) is halved until it does not; returns the ρ taken.
  double natural_gradient_step(const Matrix& X, const Vector& y, double scale, double rho);
  /// natural_gradient_step(X, y, step_scale, ρ) then elbo(X, y, scale, grad) on the
  /// same minibatch, sharing chol(K_zz) and L⁻¹K_zx (the step moves only q(v)).
  double natural_step_then_elbo(const Matrix& X, const Vector& y, double step_scale, double rho, double scale,
                                SvgpGradient* grad);
  /// Latent q(f*) mean and variance at the rows of Xs, `batch` rows at a time.
  void predict_latent(const Matrix& Xs, Vector& mean, Vector& var, Eigen::Index batch = 4096) const;

 private:
  void project(const Matrix& X, Matrix& L, Matrix& A) const;  // L = chol(K_zz), A = L⁻¹ K_zx
  double elbo_from(const Matrix& L, const Matrix& A, const Matrix& X, const Vector& y, double scale,
                   SvgpGradient* grad) const;
  double natural_step_from(const Matrix& A, const Matrix& X, const Vector& y, double scale, double rho);

  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<Likelihood> likelihood_;
  Matrix Z_;
  Vector mu_;
  Matrix Ls_;
  double jitter_;
};

/// The same minibatch ELBO in the unwhitened parameterisation q(u) = N(m_u, S_u)
/// against p(u) = N(0, K_zz) (value only; for checking the whitened one).
double unwhitened_elbo(const Svgp& model, const Matrix& X, const Vector& y, double scale, const Vector& m_u,
                       const Matrix& S_u);

}  // namespace elbo::gp
