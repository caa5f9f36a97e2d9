#pragma once
// Sparse GP regression as SGPR fits it (Titsias 2009): L-BFGS on the collapsed
// bound over the kernel's unconstrained parameters, log σ² and — unless fixed —
// the inducing inputs, with q(v) at the bound's closed-form optimum throughout.
// Where Adam on the same bound needs hundreds of full-data steps, L-BFGS
// (optim::lbfgs_maximize: strong-Wolfe line search) needs tens. Kept out of
// gp/ so that the gp module stays torch-free (the optimiser works on tensors).
#include <cstdint>
#include <functional>
#include <string>

#include "elbo/gp/svgp.hpp"

namespace elbo::gp {

struct CollapsedLbfgsOptions {
  int64_t max_iterations = 100;
  int64_t history_size = 30;  // (s, y) pairs kept: on kin8nm (T = 768) 30 climbs a little faster than 10
  bool learn_inducing = true;
};

struct CollapsedLbfgsOutcome {
  int64_t iterations = 0;   // accepted iterates
  int64_t evaluations = 0;  // bound-and-gradient evaluations (line search included)
  bool converged = false;   // a convergence test passed (else the iteration limit or a failed line search)
  std::string status;       // optim::to_string(LbfgsStatus)
};

/// Called after every accepted iterate, with the model holding it (q(v) not yet
/// at its optimum) and the bound there.
using CollapsedLbfgsCallback = std::function<void(int64_t iteration, double bound)>;

/// Maximises the collapsed bound from the model's current parameters; on return
/// the model holds the last iterate and q(v) its optimum. The likelihood must be
/// Gaussian (a ConfigError otherwise).
CollapsedLbfgsOutcome fit_collapsed_lbfgs(Svgp& model, const Matrix& X, const Vector& y,
                                          const CollapsedLbfgsOptions& options,
                                          const CollapsedLbfgsCallback& callback = nullptr);

}  // namespace elbo::gp
