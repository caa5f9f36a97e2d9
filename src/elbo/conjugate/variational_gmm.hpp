#pragma once
// The variational Bayesian Gaussian mixture in the parameterisation of
// scikit-learn's BayesianGaussianMixture, for elbo.sklearn: its four covariance
// types, its two weight priors and its "lower bound", so that a drop-in gives the
// same numbers. (BayesGmm, bayes_gmm.hpp, is the same model for full covariances
// and a Dirichlet weight prior behind the ConjugateModel interface; this file adds
// what scikit-learn has and it lacks.)
//
// Model (Bishop 2006 §10.2; Blei & Jordan 2006 for the stick-breaking prior):
//   weights: "dirichlet_distribution" π ~ Dir(γ0 … γ0), or "dirichlet_process"
//     (truncated stick-breaking, K sticks) v_k ~ Beta(1, γ0), π_k = v_k ∏_{j<k} (1 − v_j);
//   μ_k | Λ_k ~ N(m0, (β0 Λ_k)⁻¹), Λ_k ~ W(Ψ0⁻¹, ν0), per component ("full"), shared
//   ("tied"), or restricted to diagonal ("diag") / scalar×I ("spherical") precisions
//   with Gamma-type Wishart factors per coordinate.
// q = q(weights) ∏_k q(μ_k, Λ_k) ∏_n q(z_n), CAVI as scikit-learn's EM loop:
//   E-step: log r_nk = E ln π_k + ½ E ln|Λ_k| − D/2 ln 2π − ½[D/β_k + ν_k (x−m_k)ᵀW_k(x−m_k)],
//     E ln π_k = ψ(a_k) − ψ(a_k + b_k) + Σ_{j<k} [ψ(b_j) − ψ(a_j + b_j)] for the sticks,
//     ψ(a_k) − ψ(Σ a) for the Dirichlet;
//   M-step from N_k (+ 10 ε, as scikit-learn), x̄_k, S_k (+ reg_covar on the diagonal):
//     sticks a_k = 1 + N_k, b_k = γ0 + Σ_{j>k} N_j; Dirichlet a_k = γ0 + N_k;
//     β_k = β0 + N_k, m_k = (β0 m0 + N_k x̄_k)/β_k, ν_k = ν0 + N_k,
//     W_k⁻¹ = Ψ0 + N_k S_k + (β0 N_k/β_k)(x̄_k − m0)(x̄_k − m0)ᵀ  (tied: averaged over k);
//   scikit-learn's covariances_ = W_k⁻¹/ν_k, precisions_cholesky_ = chol(covariances_⁻¹).
// "Lower bound" (scikit-learn's _compute_lower_bound: the ELBO up to terms constant
// at the optimum): −Σ r ln r − Σ_k ln B(W_k, ν_k) − ln C(weights) − D/2 Σ_k ln β_k,
// with ln B without its π term and ln C the Dirichlet (or Beta) normaliser.
//
// The data are processed in blocks of rows, centred at a shift (the prior mean) so
// that second moments accumulated in one pass keep their precision.
#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/conjugate/online_lda.hpp"  // RowMatrixXd

namespace elbo::conjugate {

enum class CovarianceType { full, tied, diag, spherical };
enum class WeightPriorType { dirichlet_process, dirichlet_distribution };

struct VgmmPrior {
  int64_t n_components = 1;
  CovarianceType covariance_type = CovarianceType::full;
  WeightPriorType weight_prior = WeightPriorType::dirichlet_process;
  double weight_concentration = 1.0;  // γ0
  double mean_precision = 1.0;        // β0
  Eigen::VectorXd mean;               // m0 (D)
  double degrees_of_freedom = 1.0;    // ν0
  /// Ψ0: full/tied D×D; diag 1×D; spherical 1×1.
  RowMatrixXd covariance;
  double reg_covar = 1e-6;
  /// Throws DomainError for inconsistent shapes or values.
  void validate(int64_t D) const;
};

/// The variational parameters, in scikit-learn's attribute layout (flattened to 2-d).
struct VgmmState {
  Eigen::VectorXd concentration_a;  // weight_concentration_[0] (or the Dirichlet's)
  Eigen::VectorXd concentration_b;  // weight_concentration_[1] (sticks only)
  Eigen::VectorXd mean_precision;   // β (K)
  RowMatrixXd means;                // m (K×D)
  Eigen::VectorXd degrees_of_freedom;  // ν (K; tied: 1)
  /// full (K·D)×D; tied D×D; diag K×D; spherical K×1.
  RowMatrixXd covariances;
  RowMatrixXd precisions_cholesky;  // same shape
};

/// Responsibility-weighted moments of centred data (x − shift) and E-step terms.
struct VgmmStatistics {
  Eigen::VectorXd nk;  // Σ_n r_nk
  RowMatrixXd s1;      // K×D: Σ_n r_nk x_n
  RowMatrixXd s2;      // full (K·D)×D Σ r x xᵀ; tied D×D Σ x xᵀ; diag/spherical K×D Σ r x²
  double entropy = 0.0;        // −Σ r ln r
  double log_prob_norm = 0.0;  // Σ_n ln Σ_k exp(log weighted prob)
};

/// Statistics of hard labels (−1: a point in no component, as the K seeds of
/// init_params="k-means++"/"random_from_data") or of dense N×K responsibilities.
VgmmStatistics vgmm_statistics_from_labels(const RowMatrixXd& X, const Eigen::VectorXd& shift,
                                           const std::vector<int64_t>& labels, int64_t K,
                                           CovarianceType type, int threads);
VgmmStatistics vgmm_statistics_from_resp(const RowMatrixXd& X, const Eigen::VectorXd& shift,
                                         const RowMatrixXd& resp, CovarianceType type, int threads);

/// M-step (statistics centred at prior.mean). Throws DomainError with scikit-learn's
/// message if a covariance is not positive definite.
void vgmm_m_step(const VgmmPrior& prior, const VgmmStatistics& stats, VgmmState& state);

/// E-step at `state` on all rows of X, fused with the statistics for the next M-step.
VgmmStatistics vgmm_e_step(const VgmmPrior& prior, const VgmmState& state, const RowMatrixXd& X, int threads);

/// scikit-learn's lower bound at `state` with the E-step entropy −Σ r ln r.
double vgmm_lower_bound(const VgmmPrior& prior, const VgmmState& state, double entropy);

struct VgmmFitResult {
  double lower_bound = 0.0;
  int64_t iterations = 0;
  bool converged = false;
};

/// scikit-learn's EM loop: E-step, M-step, bound, until |Δbound| < tol or max_iter,
/// starting from `start_bound` (−∞ for a fresh start, the last bound for warm starts).
VgmmFitResult vgmm_fit(const VgmmPrior& prior, VgmmState& state, const RowMatrixXd& X, int64_t max_iter,
                       double tol, double start_bound, int threads);

/// E[π] under q (scikit-learn's weights_): a_k/(a_k+b_k) ∏_{j<k} b_j/(a_j+b_j) for the
/// sticks (renormalised over the K sticks), a/Σa for the Dirichlet.
Eigen::VectorXd vgmm_weights(WeightPriorType weight_prior, const VgmmState& state);
/// precisions_ = P Pᵀ from precisions_cholesky_ P (diag/spherical: P²), same layout.
RowMatrixXd vgmm_precisions(CovarianceType type, const VgmmState& state);

/// log r (N×K) and ln p(x_n) under the variational predictive used by scikit-learn
/// (log_resp and log_prob_norm); X is centred at `shift` while computing.
void vgmm_estimate(CovarianceType type, WeightPriorType weight_prior, const VgmmState& state,
                   const RowMatrixXd& X, const Eigen::VectorXd& shift, int threads,
                   RowMatrixXd* log_resp, Eigen::VectorXd* log_prob_norm, std::vector<int64_t>* labels);

}  // namespace elbo::conjugate
