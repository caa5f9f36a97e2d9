#pragma once
// The stochastic variational inference loop shared by every gradient-based
// method (Pyro's SVI(model, guide, optim, loss)):
//
//   for t = 0, 1, ...:
//     draw a minibatch (if batch_size < M)
//     estimate = objective(p, q, batch)          // surrogate: value = bound
//     (−surrogate).backward(); optimizer.step(t)
//     every eval_every steps: ELBO on all data; stop when the relative change
//       over a window falls below tol_rel_obj (Stan's rule, mean or median)
//   optional: Polyak averaging of λ over a tail window before returning.
//
// The whole run state — λ, optimizer state, RNG, step, trace, convergence
// window, averaging sums — is saved to `checkpoint` every checkpoint_every
// steps, so a killed run resumed from it continues bit-for-bit.
#include <ATen/core/Generator.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "elbo/family/family.hpp"
#include "elbo/model/log_density.hpp"
#include "elbo/objective/objective.hpp"
#include "elbo/optim/optimizer.hpp"

namespace elbo::infer {

struct SviOptions {
  int64_t max_iterations = 10000;
  int64_t eval_every = 100;     // Stan's eval_elbo
  int64_t eval_draws = 100;     // Stan's elbo_samples
  double tol_rel_obj = 0.01;    // Stan's tol_rel_obj
  /// Evaluate the ELBO with the same base draws each time (common random
  /// numbers), so the convergence test sees λ's progress, not Monte-Carlo
  /// noise. Stan draws afresh (false).
  bool common_eval_draws = true;
  /// Relative-change window length; 0 → Stan's max(0.1·max_iterations/eval_every, 2).
  int64_t window = 0;
  /// Minibatch size S; 0 or ≥ M uses all data.
  int64_t batch_size = 0;
  /// Average λ over a tail window (started at convergence, or at 80% of
  /// max_iterations) of length max(eval_every, t_start/4), in the family's
  /// canonical parameterisation (Family::canonical_parameters).
  bool average_iterates = false;
  /// Consecutive non-finite steps tolerated (each is skipped) before a restart
  /// (or, when no restart is left, failing).
  int64_t max_nonfinite_steps = 20;
  /// Divergence: the evaluated ELBO is non-finite, or below its best by more
  /// than max(10, 0.1·|best|) at two evaluations in a row, or the gradient is
  /// non-finite max_nonfinite_steps times in a row. The run then restarts
  /// from its best iterate with the step size times restart_step_factor and a
  /// fresh optimizer state, at most max_restarts times; after that it stops
  /// at its best iterate, unconverged.
  int64_t max_restarts = 3;
  /// Wall-clock budget for this run (seconds; 0: none). When it runs out the
  /// run stops unconverged ("time budget reached"), averaging what it has.
  double max_seconds = 0.0;
  double restart_step_factor = 0.2;
  uint64_t seed = 1;
  std::string checkpoint_path;      // empty: no checkpoints
  int64_t checkpoint_every = 1000;
  /// False: checkpoint_path is only read (resume), never written — the ranks
  /// other than 0 of a distributed fit, whose state is rank 0's.
  bool write_checkpoints = true;
  // What the run is fitted to (e.g. a hash of the data and model options, with
  // a description); saved in the checkpoint, and a resume whose fingerprint
  // differs is refused. Empty: not checked.
  std::string run_fingerprint;
};

struct TracePoint {
  int64_t iteration;
  double elbo;
  double rel_change;
};

/// One restart after a divergence.
struct SviRestart {
  int64_t iteration;
  double elbo;        // the evaluation that triggered it (NaN if none)
  double best_elbo;   // the best evaluation, whose iterate the run restarted from
  double eta;         // the step size after the restart
  std::string reason;
};

struct SviResult {
  int64_t iterations = 0;
  bool converged = false;
  std::string message;            // "mean ELBO converged", "max iterations reached", ...
  std::vector<TracePoint> trace;
  int64_t skipped_steps = 0;      // non-finite steps skipped
  int64_t dropped_draws = 0;      // non-finite draws dropped by the objective
  int64_t averaged_iterations = 0;
  double seconds = 0.0;
  bool resumed = false;
  std::vector<SviRestart> restarts;
  double best_elbo = 0.0;          // the best evaluated ELBO (NaN if none)
};

struct SviProgress {
  int64_t iteration;
  int64_t max_iterations;
  double last_elbo;  // NaN before the first evaluation
};

using ProgressCallback = std::function<void(const SviProgress&)>;

class Svi {
 public:
  Svi(std::shared_ptr<const model::LogDensity> p, family::FamilyPtr q,
      std::shared_ptr<objective::Objective> objective, optim::OptimizerOptions optimizer,
      SviOptions options);

  /// Loads the run state saved at options.checkpoint_path (throws InputError
  /// when it is missing, corrupt or from a different model/family).
  void resume();
  /// Runs to convergence or max_iterations, continuing from the current state.
  SviResult run(const ProgressCallback& progress = nullptr);

  /// Writes / reads the full run state.
  void save_state(const std::string& path) const;
  void load_state(const std::string& path);

  family::Family& family() { return *q_; }
  at::Generator& generator() { return gen_; }

 private:
  void step_once();
  bool evaluate(int64_t iteration);  // true when converged
  double elbo_estimate();            // on the evaluation draws; NaN when it fails
  void restart(int64_t iteration, double elbo, const std::string& reason);
  void restore_best();
  void remember_best(double elbo);
  void start_averaging(int64_t iteration);
  void accumulate_average();
  void finish_averaging();
  int64_t window_size() const;

  std::shared_ptr<const model::LogDensity> p_;
  family::FamilyPtr q_;
  std::shared_ptr<objective::Objective> objective_;
  optim::OptimizerOptions optimizer_options_;
  optim::OptimizerPtr optimizer_;
  SviOptions options_;
  mutable at::Generator gen_;  // mutable: its lock is taken while saving

  // Run state (everything below is checkpointed).
  int64_t step_ = 0;
  std::vector<TracePoint> trace_;
  std::vector<double> rel_window_;
  double last_elbo_;
  bool converged_ = false;
  std::string message_;
  int64_t average_start_ = -1;    // -1: not averaging yet
  int64_t average_end_ = -1;
  int64_t average_count_ = 0;
  std::vector<at::Tensor> average_sums_;
  int64_t skipped_steps_ = 0;
  int64_t consecutive_nonfinite_ = 0;
  int64_t dropped_draws_ = 0;
  bool resumed_ = false;
  // Divergence handling (also checkpointed).
  double best_elbo_;
  std::vector<at::Tensor> best_params_;  // λ at the best evaluation (or the start)
  int64_t falls_in_a_row_ = 0;
  std::vector<SviRestart> restarts_;
  bool stopped_ = false;                 // diverged with no restart left
};

}  // namespace elbo::infer
