#pragma once
// Component probabilities of new points under a fitted Bayesian GMM (what
// scikit-learn's BayesianGaussianMixture.predict_proba returns): the E-step
// responsibilities against the variational posterior q(π) q(μ, Λ) (Bishop 2006,
// eqs. 10.46, 10.64–10.66), with Λ_k's Wishart(W_k, ν_k) recovered from the
// summary's covariances (ν_k W_k)⁻¹:
//   ln ρ_nk = E[ln π_k] + ½ E[ln|Λ_k|] − D/2 ln 2π − D/(2β_k) − ν_k/2 (x_n − m_k)ᵀ W_k (x_n − m_k),
//   r_nk = ρ_nk / Σ_j ρ_nj.
// Written per point and component from the summary alone, so a saved fit predicts
// without its training data.
#include <Eigen/Core>

#include "elbo/conjugate/bayes_gmm.hpp"

namespace elbo::conjugate {

/// N×K responsibilities of the rows of X (N×D, original coordinates). Throws
/// DomainError when X's columns do not match the summary's dimension.
Eigen::MatrixXd gmm_predict_proba(const GmmSummary& fit, const Eigen::MatrixXd& X);

}  // namespace elbo::conjugate
