#include "elbo/hmm/markov_chain.hpp"

#include <Eigen/QR>

namespace elbo::hmm {

Eigen::VectorXd stationary_distribution(const Eigen::MatrixXd& P) {
  const Eigen::Index K = P.rows();
  Eigen::MatrixXd system(K + 1, K);
  system.topRows(K) = P.transpose() - Eigen::MatrixXd::Identity(K, K);
  system.row(K).setOnes();
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(K + 1);
  rhs(K) = 1.0;
  Eigen::VectorXd omega = system.colPivHouseholderQr().solve(rhs).cwiseMax(0.0);
  const double total = omega.sum();
  if (!(total > 0)) return Eigen::VectorXd::Constant(K, 1.0 / static_cast<double>(K));
  return omega / total;
}

}  // namespace elbo::hmm
