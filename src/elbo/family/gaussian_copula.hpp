#pragma once
// Gaussian-copula family (Tran, Blei & Airoldi 2015, "Copula variational
// inference", NeurIPS): mean-field marginals F_d coupled by a Gaussian copula
// with correlation matrix R,
//   q(θ) = c_R(F_1(θ_1), …, F_D(θ_D)) Π_d f_d(θ_d).
//
// What is implemented. Each marginal is a location-scale sinh-arcsinh
// transform of a standard normal (Jones & Pewsey 2009, Biometrika 96(4),
// eq. 2): θ_d = μ_d + σ_d S_d(z_d) with
//   S_d(z) = sinh((asinh(z) + ε_d) / δ_d),
// ε_d ∈ R the skewness and δ_d > 0 the tail weight (δ < 1 heavier tails than
// normal, δ > 1 lighter; ε = 0, δ = 1 is the identity, so the marginal is
// N(μ_d, σ_d²)). Because S_d is increasing, F_d⁻¹(Φ(z_d)) = μ_d + σ_d S_d(z_d):
// sampling the copula is z ~ N(0, R), θ = g(z) element-wise, with no Φ or Φ⁻¹,
// and
//   log q(θ) = log N(z; 0, R) + Σ_d log |dz_d/dθ_d|,
//   z_d = sinh(δ_d asinh(x_d) − ε_d),  x_d = (θ_d − μ_d)/σ_d,
//   dz_d/dθ_d = δ_d cosh(δ_d asinh(x_d) − ε_d) / (σ_d √(1 + x_d²)).
// With CopulaMarginal::gaussian (ε, δ absent) the family is exactly the
// Gaussian N(μ, diag(σ) R diag(σ)) — a full-rank Gaussian parameterised by
// scales and correlations, and its entropy is analytic. With sinh-arcsinh
// marginals (the default) it is not a Gaussian: it can fit skewed and
// heavy- or light-tailed marginals while keeping the correlation structure.
//
// R = L Lᵀ with L the Cholesky factor of a correlation matrix, parameterised
// by a free strictly-lower-triangular matrix B_raw: B = tril(B_raw, −1) + I and
// L = rows of B normalised to unit length (so diag(R) = 1 and L_ii > 0).
//
// λ = (μ [D], log σ [D], B_raw [D, D] (strictly lower part used), and for
// sinh-arcsinh marginals ε [D], log δ [D]).
#include <torch/arg.h>

#include "elbo/family/family.hpp"

namespace elbo::family {

enum class CopulaMarginal { gaussian, sinh_arcsinh };

struct GaussianCopulaOptions {
  TORCH_ARG(CopulaMarginal, marginal) = CopulaMarginal::sinh_arcsinh;
  /// Initial σ_d (R starts at the identity, ε at 0, δ at 1).
  TORCH_ARG(double, init_scale) = 1.0;
};

class GaussianCopula : public Family {
 public:
  explicit GaussianCopula(int64_t dim, GaussianCopulaOptions options = {});

  /// "copula" (sinh-arcsinh marginals) or "copula:gaussian".
  std::string family_name() const override;
  const GaussianCopulaOptions& options() const { return options_; }

  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;
  /// Analytic for Gaussian marginals only:
  /// H = Σ log σ_d + Σ log L_dd + D/2 (1 + log 2π).
  at::Tensor entropy() override;
  bool has_entropy() const override { return options_.marginal() == CopulaMarginal::gaussian; }

  /// E[θ] and Cov[θ] (detached). Gaussian marginals: μ and diag(σ) R diag(σ)
  /// exactly. Sinh-arcsinh marginals: E[S_d(z)], E[S_d(z)²] and
  /// E[S_i(z_i) S_j(z_j)] (corr(z_i, z_j) = R_ij) by 48-point Gauss–Hermite
  /// quadrature (1-D and tensor-product 2-D), exact for the identity transform.
  at::Tensor mean() override;
  at::Tensor covariance() override;

  /// μ = location; σ, R, ε, δ keep their values.
  void initialize(const at::Tensor& location) override;
  std::shared_ptr<Family> clone_family() const override;

  /// The Cholesky factor L of the correlation matrix [D, D] (differentiable).
  at::Tensor correlation_cholesky() const;
  /// R = L Lᵀ (detached).
  at::Tensor correlation() const;

  at::Tensor loc;        // μ [D]
  at::Tensor log_scale;  // log σ [D]
  at::Tensor corr_raw;   // B_raw [D, D], strictly lower part used
  at::Tensor skew;       // ε [D] (sinh-arcsinh only)
  at::Tensor log_tail;   // log δ [D] (sinh-arcsinh only)

 private:
  at::Tensor log_prob_impl(const at::Tensor& theta, bool detach_parameters) const;
  /// S(z) element-wise for z [..., D] with the current ε, δ (detached).
  at::Tensor transform_detached(const at::Tensor& z) const;
  /// S_d(z) for coordinate d on a tensor z of any shape (detached).
  at::Tensor transform_coordinate_detached(const at::Tensor& z, int64_t d) const;

  GaussianCopulaOptions options_;
};

}  // namespace elbo::family
