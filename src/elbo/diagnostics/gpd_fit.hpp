#pragma once
// Generalized Pareto distribution (location 0) with shape k and scale σ:
//   F(x) = 1 − (1 + k x / σ)^{−1/k}, quantile Q(p) = σ ((1 − p)^{−k} − 1) / k.
// k > 0 is a heavy (power-law) tail; k < 0 a bounded one.
#include <Eigen/Core>

#include <vector>

namespace elbo::diagnostics {

struct GpdFit {
  double k = 0.0;      // shape (after the prior adjustment when requested)
  double sigma = 0.0;  // scale
};

struct GpdFitOptions {
  /// Weakly informative prior on k (Gaussian centred on 0.5, as loo's gpdfit):
  ///   k ← (M k + 10 · 0.5) / (M + 10).
  GpdFitOptions& prior_adjustment(bool on) { prior_adjustment_ = on; return *this; }
  /// Grid points of the Zhang–Stephens posterior: min_grid_points + floor(sqrt(M)).
  /// Throws ConfigError unless >= 1.
  GpdFitOptions& min_grid_points(int n);

  bool prior_adjustment_ = true;
  int min_grid_points_ = 30;
};

/// Zhang & Stephens (2009, Technometrics 51, 316–325, section 4) empirical-Bayes
/// estimate of (k, σ) from M positive exceedances x (any order), following loo's
/// gpdfit: a grid θ_j = 1/x_(M) + (1 − sqrt(m/(j − ½))) / (3 x*) with x* the first
/// quartile, profile log-likelihood ℓ(θ) = M [log(−θ/k(θ)) − k(θ) − 1] with
/// k(θ) = mean log(1 − θ x), θ̂ = Σ θ_j w_j with w ∝ exp ℓ, k = mean log(1 − θ̂ x),
/// σ = −k / θ̂. Throws DomainError unless there are >= 2 finite exceedances >= 0
/// with a positive maximum.
GpdFit gpd_fit(std::vector<double> exceedances, const GpdFitOptions& options = {});

/// Q(p) = σ ((1 − p)^{−k} − 1)/k = σ expm1(−k log1p(−p)) / k (−σ log1p(−p) at k = 0).
double gpd_quantile(double p, double k, double sigma);

}  // namespace elbo::diagnostics
