#pragma once
// The emission part of a Bayesian HMM: p(x_t | z_t = k, θ_k) with a conjugate prior
// on θ = (θ_1 … θ_K) and a variational factor q(θ) of the prior's family. The HMM
// (bayesian_hmm.hpp) owns the chain; an emission owns its segment of the global
// parameters λ and of the sufficient statistics, and knows
//   * E_q log p(x_t | z_t = k) — the local step's log emission weights;
//   * the statistics Σ_t q(z_t = k) t(x_t) and the global step λ = η + scale · s;
//   * Σ_k ⟨s_k, E_q[natural parameter]⟩, the emission part of E_q log p(x, z | θ),
//     which is linear in s (so the ELBO can be evaluated from statistics);
//   * KL(q(θ) ‖ p(θ)), and log p(x_t | z_t = k) at the posterior means (plug-in,
//     for held-out scores and the Viterbi path).
// Observations are a row-major T×D matrix, one step per row (categorical: D = 1,
// symbols 0 … V−1 stored as doubles); prepare() validates and transforms data
// once (e.g. centring), and every other method sees prepared data.
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/hmm/forward_backward.hpp"

namespace elbo::hmm {

class Emission {
 public:
  virtual ~Emission() = default;

  /// "gaussian", "categorical".
  virtual std::string name() const = 0;
  virtual int64_t num_states() const = 0;
  /// Entries of the emission's segment of λ and of the statistics.
  virtual int64_t parameter_size() const = 0;
  virtual int64_t statistic_size() const = 0;

  /// Checks data (throws DomainError naming `what` and the step) and returns the
  /// form the other methods take.
  virtual RowMatrix prepare(const RowMatrix& X, const std::string& what) const = 0;

  /// Sets the emission's λ segment and caches its expectations; NumericalError if invalid.
  virtual void set_parameters(const double* lambda) = 0;
  /// out(t − begin, k) = E_q log p(x_t | z_t = k), t ∈ [begin, end), row-major.
  virtual void expected_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const = 0;
  /// out(t − begin, k) = log p(x_t | z_t = k, E_q θ) (the plug-in density).
  virtual void plugin_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const = 0;
  /// stats += Σ_{t ∈ [begin, end)} Σ_k weights(t − begin, k) t_k(x_t).
  virtual void accumulate(const RowMatrix& X, int64_t begin, int64_t end, const double* weights,
                          double* stats) const = 0;
  /// The emission's λ̂ segment from statistics scaled by `scale` (η + scale · s).
  virtual void global_step(const double* stats, double scale, double* lambda) const = 0;
  /// Projects statistics onto the valid cone (ConjugateModel::project_statistics).
  virtual void project_statistics(double* stats) const { (void)stats; }
  /// Σ_t Σ_k q(z_t = k) E_q log p(x_t | z_t = k), from the statistics s.
  virtual double expected_log_joint(const double* stats) const = 0;
  /// KL(q(θ) ‖ p(θ)).
  virtual double kl_divergence() const = 0;

  /// Labels in [0, K) for a hard initialisation (e.g. k-means), or empty when the
  /// emission starts from random_parameters instead.
  virtual std::vector<int64_t> initial_labels(const RowMatrix& X, conjugate::Rng& rng) const = 0;
  /// A random λ segment, as if the T = X.rows() steps had been split evenly among
  /// K distinct random states.
  virtual void random_parameters(const RowMatrix& X, conjugate::Rng& rng, double* lambda) const = 0;

  /// Posterior parameters, means and sds in the data's own units.
  virtual nlohmann::json summary() const = 0;
};

}  // namespace elbo::hmm
