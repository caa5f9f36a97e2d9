#pragma once
// A Bayesian hidden Markov model as a conjugate::ConjugateModel (MacKay 1997;
// Beal 2003 ch. 3; Johnson & Willsky 2014; Foti, Xu, Laird & Fox 2014):
//
//   π ~ Dir(α_π 1),  A_i ~ Dir(α_A 1) (row i of the transition matrix),  θ_k ~ emission prior,
//   z_1 ~ Cat(π),  z_t | z_{t−1} = i ~ Cat(A_i),  x_t | z_t = k ~ p(x | θ_k),
//
// over one or more sequences. q(π) q(A) q(θ) q(z) with Dirichlet q(π), q(A_i) and
// the emission's conjugate q(θ_k); q(z) is either
//  * structured (the default): one chain per sequence, whose optimum given q(π, A, θ)
//    is an HMM with weights exp E log π, exp E log A, exp E log p(x_t | k), found
//    exactly by forward–backward (forward_backward.hpp); or
//  * fully factorised, ∏_t q(z_t), iterated per time step to convergence (the
//    comparison: it ignores the dependence between neighbouring steps).
//
// Statistics: expected initial counts q(z_1 = k) (per sequence), expected transition
// counts Σ_t q(z_{t−1} = i, z_t = j), and the emission's. Global step:
// λ = η + scale · s (Dirichlet concentrations; the emission's natural form).
// Layout of λ: [α_π (K) | α_A (K×K, row-major) | emission (emission.hpp)]; the
// statistics are laid out alike.
//
// ELBO (exact, for statistics of whole sequences):
//   ⟨s, E_λ[log π, log A, emission natural parameter]⟩ + local_bound − KL(q(π)‖p) − Σ_i KL(q(A_i)‖p) − KL(q(θ)‖p),
// where local_bound is the entropy of q(z): for the structured q, log Z − ⟨s, E_λ'[…]⟩ at
// the λ' of the local step (Z its forward–backward normaliser); for the factorised
// q, −Σ_t Σ_k q_tk log q_tk.
//
// Units (ConjugateModel's data points): whole sequences, or with subchain_length L > 0
// consecutive blocks of L steps of each sequence (Foti et al. 2014). A minibatch
// holding only some blocks of a sequence runs forward–backward on each block with
// buffer_length B extra steps on both sides (at least one on the left, so the
// transition into the block is counted) and keeps the block's statistics: the left
// end of a buffer starts from the stationary distribution of E[A], the right end is
// open. Every step and transition of a sequence lies in exactly one block, so
// (M/S) Σ_{blocks in B} s_b is unbiased for the whole-data statistics when the
// blocks' q is exact, and the buffer is what makes it nearly so. A batch holding every
// block of a sequence processes that sequence whole, so the full-data statistics —
// and the ELBO — are exact in every mode. (The factorised q updates a block with its
// neighbours' q(z_t) fixed; it needs no buffer.) A block's local_bound is 0: the
// entropy of a part of a chain is not a term of the ELBO.
//
// Held-out score: mean log p(x_t | x_{<t}) per step, log p(x) under the posterior
// means E[π], E[A], E[θ] by the forward algorithm. The Viterbi path uses them too.
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/hmm/emission.hpp"
#include "elbo/hmm/forward_backward.hpp"
#include "elbo/hmm/viterbi.hpp"

namespace elbo::hmm {

enum class LocalFactors { structured, mean_field };

struct BayesianHmmOptions {
  /// α_π, the Dirichlet concentration of the initial distribution (> 0).
  BayesianHmmOptions& initial_concentration(double v) { initial_concentration_ = v; return *this; }
  /// α_A, the concentration of each transition row (> 0).
  BayesianHmmOptions& transition_concentration(double v) { transition_concentration_ = v; return *this; }
  BayesianHmmOptions& local_factors(LocalFactors v) { local_factors_ = v; return *this; }
  /// Factorised q: sweeps over a unit at most, and the largest change of a q(z_t)
  /// entry below which a unit's sweeps stop.
  BayesianHmmOptions& mean_field_max_sweeps(int64_t v) { mean_field_max_sweeps_ = v; return *this; }
  BayesianHmmOptions& mean_field_tolerance(double v) { mean_field_tolerance_ = v; return *this; }
  /// Units of L steps (0: whole sequences).
  BayesianHmmOptions& subchain_length(int64_t v) { subchain_length_ = v; return *this; }
  /// Extra steps on each side of a block in a minibatch (≥ 0).
  BayesianHmmOptions& buffer_length(int64_t v) { buffer_length_ = v; return *this; }
  /// Threads over the units of a batch (≤ 0: all cores).
  BayesianHmmOptions& threads(int v) { threads_ = v; return *this; }
  void validate() const;

  double initial_concentration_ = 1.0;
  double transition_concentration_ = 1.0;
  LocalFactors local_factors_ = LocalFactors::structured;
  int64_t mean_field_max_sweeps_ = 100;
  double mean_field_tolerance_ = 1e-7;
  int64_t subchain_length_ = 0;
  int64_t buffer_length_ = 0;
  int threads_ = 0;
};

/// Posterior parameters of q(π) and q(A) with their means and sds; the emission's
/// in `emission` (Emission::summary()).
struct HmmParameters {
  Eigen::VectorXd initial_concentration, initial_mean, initial_sd;
  Eigen::MatrixXd transition_concentration, transition_mean, transition_sd;
  nlohmann::json emission;
};

class BayesianHmm : public conjugate::ConjugateModel {
 public:
  /// X: T×D observations of all sequences, one after another; sequence_starts: the
  /// offsets [0, t_1, …, T], strictly increasing. Throws ConfigError for bad options
  /// (K > T) and DomainError for bad data (via emission.prepare).
  BayesianHmm(const RowMatrix& X, std::vector<int64_t> sequence_starts, std::unique_ptr<Emission> emission,
              BayesianHmmOptions options);

  std::string name() const override { return "hmm"; }
  int64_t num_data() const override { return static_cast<int64_t>(units_.size()); }
  /// The emission's hard labels (k-means) give the first global step, or random
  /// emission parameters with uniform initial and transition weights; q(z_t) = 1/K.
  void initialize(conjugate::Rng& rng) override;
  const Eigen::VectorXd& global_parameters() const override { return lambda_; }
  void set_global_parameters(const Eigen::VectorXd& lambda) override;
  /// Updates q(z) of the batch's steps (marginals()).
  void local_step(const conjugate::Batch& batch) override;
  /// Statistics of the current q(z) (structured: recomputed from λ; factorised: the stored q).
  conjugate::BatchStatistics expected_statistics(const conjugate::Batch& batch) const override;
  conjugate::BatchStatistics local_step_statistics(const conjugate::Batch& batch) override;
  Eigen::VectorXd global_step(const conjugate::BatchStatistics& stats, double scale) const override;
  /// Counts clipped at 0, the emission's projection.
  void project_statistics(conjugate::BatchStatistics& stats) const override;
  double elbo(const conjugate::BatchStatistics& full) const override;
  std::optional<double> heldout_score() const override;
  /// Held-out sequences (raw data, offsets as in the constructor) for heldout_score().
  void set_heldout(const RowMatrix& X, std::vector<int64_t> sequence_starts);

  /// Local step on every sequence, whole, and the ELBO at the current λ.
  double exact_elbo();

  /// q(z_t = k) of every step (T×K) from the last local step that touched it.
  const RowMatrix& marginals() const { return marginals_; }
  /// Most probable state path of the training data under the posterior means.
  std::vector<int32_t> viterbi_path() const;
  /// log p(x | E θ) of raw data by the forward algorithm (plug-in posterior means).
  double log_likelihood(const RowMatrix& X, const std::vector<int64_t>& sequence_starts) const;
  /// Structured q(z_t) of raw data under the current q(π, A, θ) (T×K).
  RowMatrix posterior_marginals(const RowMatrix& X, const std::vector<int64_t>& sequence_starts) const;
  /// Viterbi paths of raw data under the posterior means, concatenated.
  std::vector<int32_t> viterbi_path(const RowMatrix& X, const std::vector<int64_t>& sequence_starts) const;

  HmmParameters parameters() const;
  nlohmann::json parameters_json() const;
  int64_t num_states() const { return K_; }
  int64_t num_steps() const { return X_.rows(); }
  int64_t num_sequences() const { return static_cast<int64_t>(starts_.size()) - 1; }
  const std::vector<int64_t>& sequence_starts() const { return starts_; }
  const Emission& emission() const { return *emission_; }
  const BayesianHmmOptions& options() const { return options_; }
  /// exp E log π, exp E log A (row-major): the structured q's chain weights.
  const std::vector<double>& initial_weights() const { return initial_weights_; }
  const std::vector<double>& transition_weights() const { return transition_weights_; }

 private:
  struct Unit {
    int64_t sequence, begin, end;
  };
  struct Task;
  // The batch as tasks: whole sequences where the batch holds all their blocks, else blocks.
  std::vector<Task> plan(const conjugate::Batch& batch) const;
  conjugate::BatchStatistics run(const conjugate::Batch& batch, bool update);
  conjugate::BatchStatistics run_const(const conjugate::Batch& batch) const;
  void run_structured(const Task& task, RowMatrix* store, double* stats, double& bound, int threads) const;
  // The emission's log weights / statistics of rows [begin, end), over `threads` when long.
  void emission_log_weights(int64_t begin, int64_t end, double* out, int threads) const;
  void emission_accumulate(int64_t begin, int64_t end, const double* weights, double* stats, int threads) const;
  void run_mean_field(const Task& task, bool update, RowMatrix* store, double* stats, double& bound) const;
  conjugate::BatchStatistics gather(const std::vector<Task>& tasks, RowMatrix* store, bool update) const;
  std::vector<int64_t> checked_starts(std::vector<int64_t> starts, int64_t rows, const char* what) const;
  double expected_chain_log_joint(const double* stats) const;
  // log p(x | E θ) of prepared data by the forward algorithm.
  double plugin_log_likelihood(const RowMatrix& prepared, const std::vector<int64_t>& starts) const;

  RowMatrix X_;  // prepared
  std::vector<int64_t> starts_;
  std::unique_ptr<Emission> emission_;
  BayesianHmmOptions options_;
  int64_t K_;
  int threads_;
  std::vector<Unit> units_;
  std::vector<int64_t> units_per_sequence_;
  RowMatrix heldout_;
  std::vector<int64_t> heldout_starts_;
  Eigen::VectorXd lambda_;
  // derived from λ
  std::vector<double> elog_initial_, elog_transition_;          // E log π, E log A
  std::vector<double> initial_weights_, transition_weights_;    // their exponentials
  std::vector<double> log_mean_initial_, log_mean_transition_;  // log E π, log E A
  std::vector<double> stationary_;                              // of E A
  RowMatrix marginals_;
};

}  // namespace elbo::hmm
