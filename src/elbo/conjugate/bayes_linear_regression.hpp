#pragma once
// Bayesian linear regression with unknown noise precision and a Normal–Gamma prior
// (Bishop 2006 §10.3 / Murphy 2012 §7.6.3):
//
//   y_n | β, τ ~ N(x_nᵀβ, 1/τ),   β | τ ~ N(m0, (τΛ0)⁻¹),   τ ~ Gamma(a0, b0) (rate b0).
//
// The exact posterior is Normal–Gamma: with A = Λ0 + XᵀX, m = A⁻¹(Λ0 m0 + Xᵀy),
// S = ‖y − Xm‖² + (m − m0)ᵀΛ0(m − m0):  β | τ, y ~ N(m, (τA)⁻¹),
// τ | y ~ Gamma(a0 + N/2, b0 + S/2)  (exact_posterior()).
//
// Here it is fitted with the mean-field family q(β) q(τ) = N(β | m_q, P⁻¹) Gamma(τ | a, b):
//   q(β):  P = E[τ] A,  P m_q = E[τ](Λ0 m0 + Xᵀy)                      (so m_q = m);
//   q(τ):  a = a0 + (N + D)/2,
//          b = b0 + ½ E_β[‖y − Xβ‖² + (β − m0)ᵀΛ0(β − m0)].
// There are no local variables: the "statistics" of a batch are (Xᵀy, XᵀX, yᵀy, n),
// and the global step on full-data statistics is one Gauss–Seidel sweep (q(β) given
// the current q(τ), then q(τ) given the new q(β)), so S = M, ρ = 1 SVI is exactly
// CAVI; on a minibatch (scale ≠ 1) both blocks are computed from the current λ
// (Jacobi), which keeps λ̂ linear in the statistics, hence unbiased.
// Global parameter layout: [P m_q (D), P (D×D, column-major), a, b] — affine in the
// natural parameters (P m, −P/2, a − 1, −b). Statistics layout: [Xᵀy, XᵀX, yᵀy, n].
#include <Eigen/Core>

#include "elbo/conjugate/conjugate_model.hpp"

namespace elbo::conjugate {

struct BayesLinearRegressionPrior {
  Eigen::VectorXd m0;   // prior mean of β (D)
  Eigen::MatrixXd L0;   // prior precision of β in units of τ (D×D, SPD)
  double a0 = 1.0;      // Gamma shape of τ
  double b0 = 1.0;      // Gamma rate of τ
};

/// The exact Normal–Gamma posterior.
struct NormalGammaPosterior {
  Eigen::VectorXd mean;       // m
  Eigen::MatrixXd precision;  // A (β | τ has precision τA)
  double shape = 0.0;         // a0 + N/2
  double rate = 0.0;          // b0 + S/2
};

/// The mean-field fixed point in closed form: with a = a0 + (N+D)/2,
/// b = (b0 + S/2) / (1 − D/(2a)) (from b = b0 + S/2 + tr(AΣ)/2 and tr(AΣ) = D b / a).
struct MeanFieldLinearRegression {
  Eigen::VectorXd mean;        // m_q
  Eigen::MatrixXd covariance;  // P⁻¹
  double shape = 0.0;
  double rate = 0.0;
};

class BayesLinearRegression : public ConjugateModel {
 public:
  /// X is N×D, y has N entries; throws DomainError on mismatched shapes.
  BayesLinearRegression(Eigen::MatrixXd X, Eigen::VectorXd y, BayesLinearRegressionPrior prior);

  std::string name() const override { return "bayes_linear_regression"; }
  int64_t num_data() const override { return X_.rows(); }
  void initialize(Rng& rng) override;
  const Eigen::VectorXd& global_parameters() const override { return lambda_; }
  void set_global_parameters(const Eigen::VectorXd& lambda) override;
  void local_step(const Batch&) override {}
  BatchStatistics expected_statistics(const Batch& batch) const override;
  Eigen::VectorXd global_step(const BatchStatistics& stats, double scale) const override;
  double elbo(const BatchStatistics& full) const override;
  /// Mean over held-out points of E_q[log N(y | xᵀβ, 1/τ)].
  std::optional<double> heldout_score() const override;
  void set_heldout(Eigen::MatrixXd X, Eigen::VectorXd y);

  /// The current q(β), q(τ).
  MeanFieldLinearRegression posterior() const;
  NormalGammaPosterior exact_posterior() const;
  MeanFieldLinearRegression mean_field_fixed_point() const;

  int dim() const { return static_cast<int>(X_.cols()); }

 private:
  Eigen::MatrixXd X_;
  Eigen::VectorXd y_;
  BayesLinearRegressionPrior prior_;
  Eigen::VectorXd lambda_;
  Eigen::MatrixXd heldout_X_;
  Eigen::VectorXd heldout_y_;
};

}  // namespace elbo::conjugate
