#pragma once
// Cholesky factors of kernel matrices, which are positive definite in exact
// arithmetic but often not in floating point: jitter ε·mean(diag) is added,
// escalated ×10 up to 10⁻² of the mean diagonal; then an elbo::NumericalError.
// Also the reverse-mode derivative of the factorisation.
#include <Eigen/Core>

namespace elbo::gp {

/// Lower L with L Lᵀ = K + ε̄ I for the first ε̄ = jitter·10^k·mean(diag K) that works.
Eigen::MatrixXd jittered_cholesky(const Eigen::MatrixXd& K, double jitter, const char* what);

/// ∂L/∂K (symmetric) from ∂L/∂L (its lower triangle is used) for L = chol(K):
/// ½(S + Sᵀ), S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ the lower triangle with half the diagonal
/// (Murray 2016, "Differentiation of the Cholesky decomposition").
Eigen::MatrixXd cholesky_backward(const Eigen::MatrixXd& L, const Eigen::MatrixXd& L_bar);

}  // namespace elbo::gp
