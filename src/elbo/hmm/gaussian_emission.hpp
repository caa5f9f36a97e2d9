#pragma once
// Multivariate Gaussian emissions with a Normal–Wishart prior (Bishop 2006 §10.2,
// as conjugate/bayes_gmm.hpp, whose defaults are scikit-learn's):
//   (μ_k, Λ_k) ~ N(μ_k | m0, (β0 Λ_k)⁻¹) W(Λ_k | W0, ν0),  x_t | z_t = k ~ N(μ_k, Λ_k⁻¹),
// m0 = the data mean, β0 = 1, ν0 = D, W0⁻¹ = the data covariance (ddof 1) unless given.
//   E log p(x | k) = ½ E log|Λ_k| − D/2 log 2π − D/(2β_k) − ½ ν_k (x − m_k)ᵀ W_k (x − m_k)
// (Bishop 10.64–10.65), linear in the statistics N_k = Σ r_tk, S1_k = Σ r_tk x_t,
// S2_k = Σ r_tk x_t x_tᵀ. The global step in natural form, affine in them (10.60–10.63):
//   β_k = β0 + N_k,  β_k m_k = S1_k,  Ψ_k := W_k⁻¹ + β_k m_k m_kᵀ = W0⁻¹ + S2_k,  ν_k = ν0 + N_k,
// with the data centred at m0 (prepare()), so m0 = 0 in these formulas.
// λ per state: [β_k, β_k m_k (D), Ψ_k (D×D), ν_k]; statistics per state: [N_k, S1_k (D), S2_k (D×D)].
// Plug-in density: N(x | m_k, (ν_k W_k)⁻¹), E[Λ_k]⁻¹ as scikit-learn's covariances_.
#include <Eigen/Core>

#include "elbo/hmm/emission.hpp"

namespace elbo::hmm {

struct GaussianEmissionOptions {
  GaussianEmissionOptions& num_states(int64_t v) { num_states_ = v; return *this; }
  /// β0 (≤ 0: 1).
  GaussianEmissionOptions& mean_precision_prior(double v) { mean_precision_prior_ = v; return *this; }
  /// ν0 (≤ 0: D); must exceed D − 1.
  GaussianEmissionOptions& degrees_of_freedom_prior(double v) { degrees_of_freedom_prior_ = v; return *this; }
  /// m0 (empty: the data mean).
  GaussianEmissionOptions& mean_prior(Eigen::VectorXd v) { mean_prior_ = std::move(v); return *this; }
  /// W0⁻¹ (empty: the data covariance).
  GaussianEmissionOptions& covariance_prior(Eigen::MatrixXd v) { covariance_prior_ = std::move(v); return *this; }
  /// Threads of the k-means initialisation (≤ 0: all cores).
  GaussianEmissionOptions& threads(int v) { threads_ = v; return *this; }
  void validate() const;

  int64_t num_states_ = 1;
  double mean_precision_prior_ = 0.0;
  double degrees_of_freedom_prior_ = 0.0;
  Eigen::VectorXd mean_prior_;
  Eigen::MatrixXd covariance_prior_;
  int threads_ = 0;
};

class GaussianEmission : public Emission {
 public:
  /// X (T×D, raw) sets the default priors; DomainError for T < 2, D < 1, non-finite
  /// values or a covariance prior that is not positive definite.
  GaussianEmission(const RowMatrix& X, GaussianEmissionOptions options);

  std::string name() const override { return "gaussian"; }
  int64_t num_states() const override { return K_; }
  int64_t parameter_size() const override { return K_ * block(); }
  int64_t statistic_size() const override { return K_ * (1 + D_ + D_ * D_); }
  int64_t dim() const { return D_; }

  /// D columns, finite; returns X − m0.
  RowMatrix prepare(const RowMatrix& X, const std::string& what) const override;
  void set_parameters(const double* lambda) override;
  void expected_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const override;
  void plugin_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const override;
  void accumulate(const RowMatrix& X, int64_t begin, int64_t end, const double* weights,
                  double* stats) const override;
  void global_step(const double* stats, double scale, double* lambda) const override;
  /// Per state, the moment matrix [[S2, S1], [S1ᵀ, N]] projected onto the PSD cone
  /// (as BayesGmm::project_statistics).
  void project_statistics(double* stats) const override;
  double expected_log_joint(const double* stats) const override;
  double kl_divergence() const override;
  /// k-means++ and Lloyd on the (prepared) data.
  std::vector<int64_t> initial_labels(const RowMatrix& X, conjugate::Rng& rng) const override;
  void random_parameters(const RowMatrix& X, conjugate::Rng& rng, double* lambda) const override;
  nlohmann::json summary() const override;

  /// Posterior means m_k in data units (K×D) and E[Λ_k]⁻¹.
  Eigen::MatrixXd means() const;
  std::vector<Eigen::MatrixXd> covariances() const;

 private:
  int64_t block() const { return 2 + D_ + D_ * D_; }
  int64_t stat_block() const { return 1 + D_ + D_ * D_; }
  // q_tk = ‖(x_t − m_k)ᵀ L_k‖² for t ∈ [begin, end), into out (row-major, K per row).
  void quadratic_forms(const RowMatrix& X, int64_t begin, int64_t end, double* out) const;

  int64_t K_, D_;
  double beta0_, nu0_;
  int threads_;
  Eigen::VectorXd m0_;
  Eigen::MatrixXd W0_inv_;
  double log_det_W0_inv_ = 0.0;
  // derived from λ
  Eigen::VectorXd beta_, nu_, e_log_det_, log_det_W_, expected_constant_, plugin_constant_;
  Eigen::MatrixXd means_;              // K×D, centred
  std::vector<Eigen::MatrixXd> W_, W_inv_;
  Eigen::MatrixXd chol_all_;           // D × K·D: [L_1 … L_K], W_k = L_k L_kᵀ
  Eigen::RowVectorXd chol_offset_;     // [m_1ᵀL_1 … m_KᵀL_K]
};

}  // namespace elbo::hmm
