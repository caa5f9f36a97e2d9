#pragma once
// Pareto smoothed importance sampling (Vehtari, Simpson, Gelman, Yao & Gabry,
// "Pareto smoothed importance sampling", JMLR 25(72), 2024; arXiv 1507.02646),
// as in the loo package's psis with relative efficiency 1:
//  1. M = ceil(min(0.2 S, 3 sqrt(S))) largest ratios form the tail; the threshold u
//     is the (M+1)-th largest;
//  2. a generalized Pareto distribution is fitted to the exceedances w − u
//     (gpd_fit: Zhang & Stephens with the weakly informative prior on k);
//  3. the tail is replaced, in order, by u + Q((i − ½)/M), i = 1..M;
//  4. weights are truncated at the largest raw ratio and normalised.
// Weights are handled relative to the largest log ratio, so any scale works.
#include <Eigen/Core>

#include <cstdint>
#include <vector>

namespace elbo::diagnostics {

struct PsisResult {
  /// Shape estimate k̂. NaN when S is too small for a tail of >= 5 draws (the raw
  /// weights are then only truncated); −inf when the tail ratios are all equal
  /// (e.g. q = p: the weights are bounded and nothing needs smoothing).
  double k_hat = 0.0;
  double sigma_hat = 0.0;       // GPD scale (relative to the largest ratio); NaN if unfitted
  int64_t tail_length = 0;      // M
  std::vector<double> log_weights;  // smoothed, normalised: log Σ exp = 0
  double ess = 0.0;             // 1 / Σ w²  (normalised weights)
  double k_threshold = 0.7;     // min(1 − 1/log10 S, 0.7)
};

/// ceil(min(0.2 S, 3 sqrt(S))).
int64_t psis_tail_length(int64_t num_draws);

/// PSIS of log importance ratios log p(θ_s) − log q(θ_s). Throws DomainError for an
/// empty input, a NaN or +inf ratio, or when every ratio is −inf (−inf alone is a
/// zero weight).
PsisResult psis(const std::vector<double>& log_ratios);
PsisResult psis(const Eigen::Ref<const Eigen::VectorXd>& log_ratios);

}  // namespace elbo::diagnostics
