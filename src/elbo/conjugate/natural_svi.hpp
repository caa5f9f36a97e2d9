#pragma once
// Stochastic variational inference with natural gradients for any ConjugateModel
// (Hoffman, Blei, Wang & Paisley 2013, Algorithm 1):
//
//   sample a minibatch B of S points from the M;
//   local step on B;  λ̂ = η + (M/S) Σ_{n∈B} E[t(x_n, z_n)];
//   λ ← (1 − ρ_t) λ + ρ_t λ̂,   ρ_t = (t + τ0)^−κ,  κ ∈ (0.5, 1], t = 1, 2, ...
//
// (1−ρ)λ + ρλ̂ = λ + ρ (λ̂ − λ): λ̂ − λ is the natural gradient of the ELBO.
// Minibatches are drawn by random reshuffling (each epoch a fresh permutation cut
// into consecutive batches of S, the incomplete tail dropped) or, with
// sampling(iid), independently (S distinct points uniformly at every step).
// With S = M the minibatch is all points in order, so with ρ = 1 a step is
// exactly one CAVI iteration. The run state (λ, t, RNG and the adaptive-rate
// averages) is checkpointed to a JSON file and restored by resume().
//
// Options measured in bench/compare/lda (all off by default):
//  * adaptive_rate — Ranganath, Wang, Blei & Xing (2013): ρ_t = ḡᵀḡ / h̄ with
//    ḡ, h̄ exponential averages of the natural gradient g and of gᵀg over a
//    window τ_t ← τ_t(1 − ρ_t) + 1 (their eq. 8–10), initialised from a few
//    minibatches at the starting λ;
//  * window — average the scaled statistics of the last W minibatches before the
//    global step (a sliding window of expected sufficient statistics);
//  * svrg_every — SVRG-style control variate (Johnson & Zhang 2013, applied to
//    the natural gradient): keep a snapshot λ̃ and its full-data statistics F̃,
//    refreshed every m steps, and use λ̂ = η + P(F̃ + (M/S)(s_B(λ) − s_B(λ̃))),
//    where P = ConjugateModel::project_statistics maps the corrected statistics
//    (which with local variables can be invalid, e.g. negative LDA word counts)
//    onto the model's convex set of valid statistics (identity for models without
//    local variables, where the estimate is exact);
//  * adaptive_batch — grow S (doubling, up to M) when the gradient noise
//    dominates: the "norm test" of Byrd, Chin, Nocedal & Wu (2012), with the
//    variance of the statistics estimated from the two halves of the minibatch;
//  * streaming — points arrive in order (0, 1, 2, ...) in consecutive chunks and
//    M is taken as the number seen so far;
//  * importance — non-uniform sampling: S draws with replacement with probability
//    p_n ∝ score_n (e.g. document length), each point weighted by c_n/(S p_n)
//    (c_n = times drawn), so Σ_B w_n E[t_n] is unbiased for Σ_n E[t_n]
//    (ConjugateModel::weighted_statistics). Combines with adaptive_rate only.
#include <cstdint>
#include <deque>
#include <random>
#include <functional>
#include <string>
#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"

namespace elbo::conjugate {

struct NaturalSviOptions {
  NaturalSviOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  NaturalSviOptions& tau0(double v) { tau0_ = v; return *this; }
  NaturalSviOptions& kappa(double v) { kappa_ = v; return *this; }
  NaturalSviOptions& max_steps(int64_t v) { max_steps_ = v; return *this; }
  NaturalSviOptions& seed(uint64_t v) { seed_ = v; return *this; }
  /// Fixed ρ in (0, 1] instead of the Robbins–Monro schedule (0: use the schedule).
  NaturalSviOptions& constant_rate(double v) { constant_rate_ = v; return *this; }
  enum class Sampling { reshuffle, iid };
  NaturalSviOptions& sampling(Sampling v) { sampling_ = v; return *this; }
  NaturalSviOptions& adaptive_rate(bool v) { adaptive_rate_ = v; return *this; }
  NaturalSviOptions& window(int64_t v) { window_ = v; return *this; }
  NaturalSviOptions& svrg_every(int64_t v) { svrg_every_ = v; return *this; }
  NaturalSviOptions& adaptive_batch(bool v) { adaptive_batch_ = v; return *this; }
  NaturalSviOptions& streaming(bool v) { streaming_ = v; return *this; }
  /// Sampling scores (≥ 0, one per point, not all zero); empty: uniform sampling.
  NaturalSviOptions& importance(std::vector<double> scores) { importance_ = std::move(scores); return *this; }
  NaturalSviOptions& checkpoint(std::string path) { checkpoint_ = std::move(path); return *this; }
  NaturalSviOptions& checkpoint_every(int64_t v) { checkpoint_every_ = v; return *this; }
  /// Full-data ELBO every n steps (a full local pass; 0: never).
  NaturalSviOptions& elbo_every(int64_t v) { elbo_every_ = v; return *this; }
  NaturalSviOptions& heldout_every(int64_t v) { heldout_every_ = v; return *this; }
  /// Called after each step with (step, ρ); return false to stop.
  NaturalSviOptions& callback(std::function<bool(int64_t, double)> v) { callback_ = std::move(v); return *this; }
  /// Throws ConfigError: S < 1, τ0 < 0, κ ∉ (0.5, 1], constant_rate ∉ [0, 1], ...
  void validate() const;

  int64_t batch_size_ = 256;
  double tau0_ = 1.0;
  double kappa_ = 0.7;
  int64_t max_steps_ = 1000;
  uint64_t seed_ = 1;
  double constant_rate_ = 0.0;
  Sampling sampling_ = Sampling::reshuffle;
  bool adaptive_rate_ = false;
  int64_t window_ = 1;
  int64_t svrg_every_ = 0;
  bool adaptive_batch_ = false;
  bool streaming_ = false;
  std::vector<double> importance_;
  std::string checkpoint_;
  int64_t checkpoint_every_ = 0;
  int64_t elbo_every_ = 0;
  int64_t heldout_every_ = 0;
  std::function<bool(int64_t, double)> callback_;
};

struct NaturalSviResult {
  std::vector<double> rates;                               // ρ_t per step
  std::vector<std::pair<int64_t, double>> elbo_trace;      // (step, full ELBO)
  std::vector<std::pair<int64_t, double>> heldout_trace;   // (step, score)
  int64_t steps = 0;
};

class NaturalSvi {
 public:
  /// Validates the options; the model's current λ is the starting point.
  NaturalSvi(ConjugateModel& model, NaturalSviOptions options);

  /// One SVI step; returns the ρ used.
  double step();
  /// Steps until max_steps (counting steps already taken, so a resumed run
  /// finishes where an uninterrupted one would), checkpointing as configured.
  NaturalSviResult run();

  int64_t steps_taken() const { return step_; }
  int64_t current_batch_size() const { return batch_size_; }
  /// Full-data ELBO at the current λ (runs a local step on all points).
  double full_elbo();

  /// Writes λ, step, batch size, RNG and adaptive state to `path` atomically (JSON).
  void save_checkpoint(const std::string& path) const;
  /// Restores the state written by save_checkpoint; throws InputError if the file
  /// is malformed or was written for another model or data size.
  void resume(const std::string& path);

 private:
  Batch sample_batch();
  double schedule_rate() const;
  Eigen::VectorXd noisy_optimum(const Batch& batch, double scale);
  void refresh_snapshot();

  ConjugateModel& model_;
  NaturalSviOptions options_;
  std::discrete_distribution<int64_t> importance_sampler_;
  std::vector<double> importance_probability_;
  Rng rng_;
  int64_t step_ = 0;
  int64_t batch_size_ = 0;
  int64_t stream_position_ = 0;
  std::vector<int64_t> epoch_order_;
  int64_t epoch_position_ = 0;
  // adaptive learning rate state (Ranganath et al. 2013)
  bool adaptive_initialised_ = false;
  Eigen::VectorXd gbar_;
  double hbar_ = 0.0;
  double tau_ = 0.0;
  // sliding window of scaled statistics
  std::deque<BatchStatistics> window_stats_;
  // SVRG snapshot
  Eigen::VectorXd snapshot_lambda_;
  BatchStatistics snapshot_full_;
};

}  // namespace elbo::conjugate
