#include "elbo/gp/gauss_hermite.hpp"

#include <Eigen/Eigenvalues>

#include <cmath>

namespace elbo::gp {

GaussHermite gauss_hermite(int n) {
  // Physicists' Hermite recurrence: off-diagonal √(k/2), k = 1..n−1.
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = std::sqrt(k / 2.0);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(J);
  GaussHermite rule;
  rule.nodes = eig.eigenvalues();
  // w_k = √π v_{0k}², normalised by √π: v_{0k}².
  rule.weights = eig.eigenvectors().row(0).transpose().array().square();
  return rule;
}

}  // namespace elbo::gp
