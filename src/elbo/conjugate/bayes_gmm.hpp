#pragma once
// Bayesian Gaussian mixture (Bishop 2006, PRML §10.2):
//
//   π ~ Dir(α0),  (μ_k, Λ_k) ~ N(μ_k | m0, (β0 Λ_k)⁻¹) W(Λ_k | W0, ν0),
//   z_n ~ Cat(π),  x_n | z_n = k ~ N(μ_k, Λ_k⁻¹),
//
// with the priors parameterised as scikit-learn's BayesianGaussianMixture
// (weight_concentration_prior_type="dirichlet_distribution"):
// weight_concentration_prior = α0 (default 1/K), mean_precision_prior = β0 (1),
// mean_prior = m0 (data mean), degrees_of_freedom_prior = ν0 (D),
// covariance_prior = W0⁻¹ (the empirical covariance, ddof = 1).
//
// Local step (10.46, 10.64–10.67): r_nk ∝ exp(E ln π_k + ½E ln|Λ_k| − D/2 ln 2π
//   − ½[D/β_k + ν_k (x_n − m_k)ᵀ W_k (x_n − m_k)]).
// Statistics: N_k = Σ r_nk, S1_k = Σ r_nk x_n, S2_k = Σ r_nk x_n x_nᵀ.
// Global step (10.58, 10.60–10.63) in natural form, which is affine in the statistics:
//   α_k = α0 + N_k,  β_k = β0 + N_k,  β_k m_k = β0 m0 + S1_k,
//   Ψ_k := W_k⁻¹ + β_k m_k m_kᵀ = W0⁻¹ + β0 m0 m0ᵀ + S2_k,  ν_k = ν0 + N_k.
// Internally the data are centred at m0 (so m0 = 0 in these formulas, which keeps
// Ψ − βmmᵀ well conditioned). Layout of λ: [α (K)], then per component
// [β_k, β_k m_k (D), Ψ_k (D×D), ν_k]; of the statistics: [N (K)], then per
// component [S1_k (D), S2_k (D×D)].
//
// ELBO: Bishop (10.70)–(10.77), with E[ln p(X | Z, μ, Λ)] written through the
// statistics so the ELBO of the last local step's r at the new λ costs O(K D³).
// Held-out score: mean log posterior predictive, a mixture of Student-t (10.81).
#include <Eigen/Core>

#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"

namespace elbo::conjugate {

struct BayesGmmOptions {
  BayesGmmOptions& num_components(int64_t v) { num_components_ = v; return *this; }
  /// α0 (≤ 0: 1/K).
  BayesGmmOptions& weight_concentration_prior(double v) { weight_concentration_prior_ = v; return *this; }
  /// β0 (≤ 0: 1).
  BayesGmmOptions& mean_precision_prior(double v) { mean_precision_prior_ = v; return *this; }
  /// m0 (empty: the data mean).
  BayesGmmOptions& mean_prior(Eigen::VectorXd v) { mean_prior_ = std::move(v); return *this; }
  /// ν0 (≤ 0: D); must be > D − 1.
  BayesGmmOptions& degrees_of_freedom_prior(double v) { degrees_of_freedom_prior_ = v; return *this; }
  /// W0⁻¹ (empty: the empirical covariance of the data, ddof = 1).
  BayesGmmOptions& covariance_prior(Eigen::MatrixXd v) { covariance_prior_ = std::move(v); return *this; }
  /// Worker threads (≤ 0: all cores).
  BayesGmmOptions& threads(int v) { threads_ = v; return *this; }
  /// Lloyd iterations of the k-means initialisation.
  BayesGmmOptions& kmeans_iterations(int64_t v) { kmeans_iterations_ = v; return *this; }
  /// Points used for the k-means++ seeding and a first Lloyd run when N is larger
  /// (≤ 0: max(65536, 64 K)); Lloyd on all the data then polishes the centres.
  BayesGmmOptions& kmeans_subsample(int64_t v) { kmeans_subsample_ = v; return *this; }
  void validate() const;

  int64_t num_components_ = 1;
  double weight_concentration_prior_ = 0.0;
  double mean_precision_prior_ = 0.0;
  Eigen::VectorXd mean_prior_;
  double degrees_of_freedom_prior_ = 0.0;
  Eigen::MatrixXd covariance_prior_;
  int threads_ = 0;
  int64_t kmeans_iterations_ = 100;
  int64_t kmeans_subsample_ = 0;
};

/// The fitted mixture in the original coordinates.
struct GmmSummary {
  Eigen::VectorXd weights;                 // E[π] = α / Σα
  Eigen::MatrixXd means;                   // K×D, m_k
  std::vector<Eigen::MatrixXd> covariances;  // (ν_k W_k)⁻¹ (as scikit-learn's covariances_)
  Eigen::VectorXd alpha, beta, nu;
};

class BayesGmm : public ConjugateModel {
 public:
  /// X is N×D (one point per row). Throws ConfigError / DomainError for bad options
  /// or data (N < 2, non-finite values, ν0 ≤ D − 1, non-SPD covariance prior).
  /// The global parameters start from round-robin labels (valid, uninformative):
  /// call initialize(rng) (k-means) or initialize_from_labels before fitting.
  BayesGmm(const Eigen::MatrixXd& X, BayesGmmOptions options);

  std::string name() const override { return "bayes_gmm"; }
  int64_t num_data() const override { return X_.rows(); }
  /// k-means++ seeding and Lloyd iterations (seeded on a subsample when N is
  /// large), then the global step from the hard assignments (as scikit-learn's
  /// init_params="kmeans").
  void initialize(Rng& rng) override;
  /// Global step from hard assignments labels[n] ∈ [0, K).
  void initialize_from_labels(const std::vector<int64_t>& labels);
  const Eigen::VectorXd& global_parameters() const override { return lambda_; }
  void set_global_parameters(const Eigen::VectorXd& lambda) override;
  /// Computes and keeps the responsibilities of `batch` (responsibilities()).
  void local_step(const Batch& batch) override;
  BatchStatistics expected_statistics(const Batch& batch) const override;
  BatchStatistics local_step_statistics(const Batch& batch) override;
  BatchStatistics weighted_statistics(const Batch& batch, const std::vector<double>& weights) override;
  Eigen::VectorXd global_step(const BatchStatistics& stats, double scale) const override;
  /// Per component, the Frobenius-norm projection of the moment matrix
  ///   A_k = [[S2_k, S1_k], [S1_kᵀ, N_k]]  ((D+1)×(D+1))
  /// onto the PSD cone (eigenvalues clipped at 0; Higham 1988). The statistics of
  /// any nonnegative responsibilities, Σ_n r_nk [x_n; 1][x_n; 1]ᵀ, are PSD, and
  /// A_k ⪰ 0 is exactly N_k ≥ 0 with a PSD scatter S2_k − S1_k S1_kᵀ/N_k; with it
  /// λ̂'s [[Ψ_k, β_k m_k], [β_k m_kᵀ, β_k]] is the prior's PD block plus A_k, so
  /// α_k, β_k > 0, ν_k > D − 1 and W_k⁻¹ (its Schur complement) is PD.
  void project_statistics(BatchStatistics& stats) const override;
  double elbo(const BatchStatistics& full) const override;
  std::optional<double> heldout_score() const override;
  void set_heldout(const Eigen::MatrixXd& X);

  GmmSummary summary() const;
  /// Responsibilities (|batch|×K) of the last local_step.
  const Eigen::MatrixXd& responsibilities() const { return resp_; }
  int64_t num_components() const { return K_; }
  int64_t dim() const { return D_; }
  const Eigen::VectorXd& mean_prior() const { return m0_; }

 private:
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  BatchStatistics run_local(const Batch& batch, Eigen::MatrixXd* resp,
                            const std::vector<double>* weights = nullptr) const;
  int64_t block() const { return 2 + D_ + D_ * D_; }

  RowMatrix X_;        // centred at m0
  RowMatrix heldout_;  // centred at m0
  BayesGmmOptions options_;
  int64_t K_, D_;
  int threads_;
  double alpha0_, beta0_, nu0_;
  Eigen::VectorXd m0_;
  Eigen::MatrixXd W0_inv_;
  double log_det_W0_inv_ = 0.0;
  Eigen::VectorXd lambda_;
  // derived from λ
  Eigen::VectorXd alpha_, beta_, nu_, e_log_pi_, e_log_det_, log_det_W_;
  Eigen::MatrixXd means_;              // K×D (centred)
  std::vector<Eigen::MatrixXd> W_;     // W_k
  std::vector<Eigen::MatrixXd> chol_;  // lower L_k with W_k = L_k L_kᵀ
  Eigen::MatrixXd chol_all_;           // D × K·D: [L_1 … L_K]
  Eigen::RowVectorXd chol_offset_;     // [m_1ᵀL_1 … m_KᵀL_K]
  Eigen::MatrixXd resp_;
};

}  // namespace elbo::conjugate
