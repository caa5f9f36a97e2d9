#include "elbo/conjugate/gmm_predict.hpp"

#include <Eigen/Cholesky>

#include <cmath>
#include <string>

#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::conjugate {

Eigen::MatrixXd gmm_predict_proba(const GmmSummary& fit, const Eigen::MatrixXd& X) {
  const Eigen::Index K = fit.means.rows(), D = fit.means.cols();
  if (X.cols() != D) {
    throw DomainError("gmm_predict_proba: the points have " + std::to_string(X.cols()) +
                      " columns, but the mixture has dimension " + std::to_string(D));
  }
  const double psi_total = fast_digamma(fit.alpha.sum());
  std::vector<Eigen::MatrixXd> W(static_cast<size_t>(K));
  Eigen::VectorXd constant(K);
  for (Eigen::Index k = 0; k < K; ++k) {
    W[k] = (fit.nu(k) * fit.covariances[k]).inverse();
    Eigen::LLT<Eigen::MatrixXd> llt(W[k]);
    if (llt.info() != Eigen::Success) {
      throw DomainError("gmm_predict_proba: W of component " + std::to_string(k) + " is not positive definite");
    }
    const double log_det_W = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
    const double e_log_det = sum_digamma_wishart(fit.nu(k), static_cast<int>(D)) + D * kLog2 + log_det_W;
    constant(k) = fast_digamma(fit.alpha(k)) - psi_total + 0.5 * e_log_det - 0.5 * D * kLog2Pi -
                  0.5 * D / fit.beta(k);
  }
  Eigen::MatrixXd r(X.rows(), K);
  for (Eigen::Index n = 0; n < X.rows(); ++n) {
    for (Eigen::Index k = 0; k < K; ++k) {
      const Eigen::VectorXd d = X.row(n).transpose() - fit.means.row(k).transpose();
      r(n, k) = constant(k) - 0.5 * fit.nu(k) * d.dot(W[k] * d);
    }
    const double mx = r.row(n).maxCoeff();
    r.row(n) = (r.row(n).array() - mx).exp();
    r.row(n) /= r.row(n).sum();
  }
  return r;
}

}  // namespace elbo::conjugate
