#pragma once
// Coordinate-ascent variational inference (CAVI) for any ConjugateModel
// (Bishop 2006 §10.1.1; Blei, Kucukelbir & McAuliffe 2017, Algorithm 1):
//
//   repeat: local step on all points (optimal q(z_n) given q(β)),
//           global step λ ← η + Σ_n E[t(x_n, z_n)],
//           ELBO_t at the new (λ, φ);
//   until |ELBO_t − ELBO_{t−1}| ≤ tol · |ELBO_t|  or  max_iterations.
//
// Each step maximises the ELBO in one block, so the trace never decreases
// (up to rounding and inexact local steps); `trace` records it.
#include <cstdint>
#include <functional>
#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"

namespace elbo::conjugate {

struct CaviOptions {
  CaviOptions& max_iterations(int64_t v) { max_iterations_ = v; return *this; }
  CaviOptions& tolerance(double v) { tolerance_ = v; return *this; }
  /// Evaluate the held-out score every n iterations (0: never).
  CaviOptions& heldout_every(int64_t v) { heldout_every_ = v; return *this; }
  /// Called after each iteration with (iteration, elbo); return false to stop.
  CaviOptions& callback(std::function<bool(int64_t, double)> v) { callback_ = std::move(v); return *this; }
  /// Throws ConfigError for max_iterations < 1 or tolerance < 0.
  void validate() const;

  int64_t max_iterations_ = 100;
  double tolerance_ = 1e-6;
  int64_t heldout_every_ = 0;
  std::function<bool(int64_t, double)> callback_;
};

struct CaviResult {
  std::vector<double> elbo_trace;            // ELBO after each iteration
  std::vector<std::pair<int64_t, double>> heldout_trace;  // (iteration, score)
  int64_t iterations = 0;
  bool converged = false;
};

/// Runs CAVI from the model's current global parameters (call model.initialize first).
CaviResult cavi(ConjugateModel& model, const CaviOptions& options = {});

/// One CAVI iteration on all points; returns the full-data statistics used.
BatchStatistics cavi_step(ConjugateModel& model);

}  // namespace elbo::conjugate
