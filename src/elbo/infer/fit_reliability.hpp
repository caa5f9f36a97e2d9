#pragma once
// One verdict per fit: may its draws and summaries be used as the posterior's?
// A fit is `reliable` only when every rule below holds; each failed rule adds
// one short sentence to `reasons`. Observations that do not fail a fit (dropped
// gradient draws, restarts) go to `notes`.
//
//  1. converged: the method's own stopping rule was met (SVI's relative ELBO
//     change, L-BFGS's tests, ...). An unconverged fit is never reliable.
//  2. a density q exists and its Pareto k̂ (PSIS of log p − log q, Yao, Vehtari,
//     Simpson & Gelman 2018, "Yes, but did it work?") is below `k_threshold`:
//     0.7, or min(1 − 1/log10 S, 0.7) for S draws (the PsisResult's threshold).
//     k̂ = +inf (non-finite log-weights, too few draws to fit the tail) fails,
//     with `k_hat_reason`; k̂ = −inf (a bounded, identical tail) passes.
//     Fits with no density (SVGD particles, constant-SGD iterates) cannot be
//     checked by k̂ and are never reliable: "no density q: k-hat cannot check it".
//  3. at most 1% (kMaxNonfiniteShare) of q's draws (the num_draws the
//     diagnostics were computed over) have a non-finite log p.
//  4. when the draws were importance-resampled, the importance ESS is at least
//     min_resample_ess(num_draws) = max(10, 1% of the draws); below it the
//     resampled draws are copies of a few. A resampling that was refused for
//     that reason (the draws are then q's own) also fails the fit.
//  5. no mode of comparable height outside q was found from random starts
//     (infer/mode_check.hpp), when that check was run.
// Written without torch so any front-end can use it.
#include <cstdint>
#include <string>
#include <vector>

namespace elbo::infer {

/// Share of q's draws with a non-finite log p above which a fit is unreliable.
inline constexpr double kMaxNonfiniteShare = 0.01;

/// The smallest importance ESS at which resampling `num_draws` weighted draws is
/// allowed (and trusted): max(10, 0.01 · num_draws).
double min_resample_ess(int64_t num_draws);

struct FitDiagnostics {
  bool converged = false;
  std::string convergence_message;  // how the run ended
  double k_hat = 0.0;               // +inf when unknown (see k_hat_reason)
  std::string k_hat_reason;         // why k̂ is inf; empty when it is finite
  double k_threshold = 0.7;
  bool has_density = true;          // false for SVGD particles, constant-SGD iterates
  int64_t dropped_draws = 0;        // gradient draws dropped for non-finite log p
  int64_t gradient_draws_total = 0; // gradient draws taken (0: unknown)
  int64_t nonfinite_output_draws = 0;  // of q's num_draws, with non-finite log p
  double importance_ess = 0.0;      // PSIS ESS over num_draws
  int64_t num_draws = 0;            // draws of q the diagnostics were computed over
  bool resampled = false;
  bool resample_refused = false;    // resampling was asked for but the ESS was too small
  int64_t restarts = 0;             // restarts after a divergence
  /// infer/mode_check: random-start L-BFGS found a mode outside q as high as q's draws.
  bool missed_mode = false;
  std::string mode_check_message;   // its account (empty: not run)
  std::vector<double> missed_mode_point;  // the highest missed mode (unconstrained), if any
};

struct Reliability {
  bool reliable = false;
  std::vector<std::string> reasons;  // why not reliable, each a short sentence
  std::vector<std::string> notes;    // observations that do not fail the fit
};

Reliability assess_reliability(const FitDiagnostics& diagnostics);

}  // namespace elbo::infer
