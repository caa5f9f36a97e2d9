#pragma once
// Gauss–Hermite quadrature: ∫ e^{−x²} g(x) dx ≈ Σ_k w_k g(x_k), nodes and weights
// by Golub–Welsch (eigenvalues of the Hermite Jacobi matrix), so
// E_{N(m, v)}[g(f)] ≈ Σ_k (w_k/√π) g(m + √(2v) x_k).
#include <Eigen/Core>

namespace elbo::gp {

struct GaussHermite {
  Eigen::VectorXd nodes;    // x_k
  Eigen::VectorXd weights;  // w_k / √π (they sum to 1)
};

/// The n-point rule (n ≥ 1).
GaussHermite gauss_hermite(int n);

}  // namespace elbo::gp
