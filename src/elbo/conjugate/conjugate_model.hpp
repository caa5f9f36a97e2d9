#pragma once
// The closed-form interface of a conditionally conjugate exponential-family model
// (Hoffman, Blei, Wang & Paisley 2013, "Stochastic Variational Inference", §2):
//
//   p(β, z, x) = p(β | η) ∏_n p(x_n, z_n | β),   q(β | λ) ∏_n q(z_n | φ_n),
//
// where the complete conditional of the global variables β is in the same
// exponential family as the prior, with natural parameter η + Σ_n t(x_n, z_n).
// Under mean field, the optimal global parameter given the local factors is
//
//   λ* = η + Σ_n E_φ[t(x_n, z_n)]                       (HBWP 2013, eq. 13/32),
//
// and the natural gradient of the ELBO is λ* − λ. For a minibatch B of size S
// the noisy optimum is λ̂ = η + (M/S) Σ_{n∈B} E[t(x_n, z_n)].
//
// A model keeps its data, its global variational parameters λ as one flat vector
// (natural parameters, or any affine reparameterisation of them such as Dirichlet
// concentrations, so that convex combinations λ ← (1−ρ)λ + ρλ̂ mean the same thing)
// and whatever local factors it wants to warm-start from. The generic drivers
// (cavi.hpp, natural_svi.hpp) see only this interface, as mlpack's EMFit sees its
// policies.
#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace elbo::conjugate {

/// Indices of the data points (documents, observations) in a batch.
using Batch = std::vector<int64_t>;

/// The random-number engine of the conjugate module (plain C++, serialisable with
/// operator<< / operator>> for checkpoints).
using Rng = std::mt19937_64;

/// Expected sufficient statistics of a batch under its optimal local factors, plus
/// the part of the ELBO that depends on the local factors only through terms that
/// do not involve the global parameters (e.g. −E_q[log q(z)]).
struct BatchStatistics {
  /// Σ_{n∈B} E_q[t(x_n, z_n)], laid out like the global parameter vector's
  /// data-dependent part (the model documents the layout).
  Eigen::VectorXd sufficient;
  /// Local-only ELBO terms summed over the batch (see each model's elbo()).
  double local_bound = 0.0;
  /// Number of data points in the batch (S).
  int64_t size = 0;
};

class ConjugateModel {
 public:
  virtual ~ConjugateModel() = default;

  /// Short model name ("lda", "bayes_gmm", ...), stored in checkpoints.
  virtual std::string name() const = 0;
  /// Number of data points M.
  virtual int64_t num_data() const = 0;

  /// Random initialisation of the global parameters (and any stored local factors).
  virtual void initialize(Rng& rng) = 0;

  /// The global variational parameters λ, flat (see the model for the layout).
  virtual const Eigen::VectorXd& global_parameters() const = 0;
  /// Sets λ (and refreshes any cached expectations such as E[log β]).
  virtual void set_global_parameters(const Eigen::VectorXd& lambda) = 0;

  /// Local step: sets the local factors of the points in `batch` to their optimum
  /// given the current global parameters (iterated to the model's local tolerance).
  virtual void local_step(const Batch& batch) = 0;
  /// Expected sufficient statistics of `batch` under its current local factors.
  virtual BatchStatistics expected_statistics(const Batch& batch) const = 0;
  /// Local step followed by expected_statistics; models override it to fuse the
  /// two passes over the data (the drivers call this one).
  virtual BatchStatistics local_step_statistics(const Batch& batch) {
    local_step(batch);
    return expected_statistics(batch);
  }

  /// Weighted statistics Σ_{n∈B} w_n E[t(x_n, z_n)] after a local step on `batch`
  /// (distinct points), for importance-sampled minibatches; local_bound is weighted
  /// alike. The default runs local_step_statistics one point at a time; models
  /// override it with a batched version.
  virtual BatchStatistics weighted_statistics(const Batch& batch, const std::vector<double>& weights) {
    BatchStatistics out;
    for (size_t i = 0; i < batch.size(); ++i) {
      BatchStatistics one = local_step_statistics(Batch{batch[i]});
      if (i == 0) {
        out.sufficient = weights[i] * one.sufficient;
      } else {
        out.sufficient += weights[i] * one.sufficient;
      }
      out.local_bound += weights[i] * one.local_bound;
    }
    out.size = static_cast<int64_t>(batch.size());
    return out;
  }

  /// Global step: the closed-form optimum λ̂ of the global parameters given the
  /// statistics scaled by `scale` (= M/S for a minibatch), i.e. η + scale·stats
  /// for models with a single global factor. Does not change the model.
  virtual Eigen::VectorXd global_step(const BatchStatistics& stats, double scale) const = 0;

  /// Projects `stats.sufficient` (in place) onto the model's set of valid
  /// statistics: a closed convex cone C that contains every achievable
  /// Σ_n w_n E[t(x_n, z_n)] (w_n ≥ 0) and on which global_step gives a λ̂ in the
  /// domain of q(β). Needed for estimates that are not of that form, such as the
  /// SVRG control variate F̃ + (M/S)(s_B(λ) − s_B(λ̃)), which is unbiased but can
  /// leave C. Because C is convex and contains the full-data statistics F, the
  /// Euclidean projection P is non-expansive towards F: ‖P(s) − F‖ ≤ ‖s − F‖ for
  /// every s, so projecting never moves an estimate farther from its target (it
  /// trades a little bias for a smaller error); because C is a cone, P(c s) =
  /// c P(s) for c > 0, so it does not matter whether statistics are scaled first.
  /// Default: no-op, for models on which every statistic vector gives a valid λ̂
  /// (e.g. Bayesian linear regression with fixed data).
  virtual void project_statistics(BatchStatistics& stats) const { (void)stats; }

  /// The exact ELBO at the current global parameters and the local factors that
  /// produced `full` (statistics of the whole data set, as from local_step_statistics
  /// on all points).
  virtual double elbo(const BatchStatistics& full) const = 0;

  /// Held-out predictive score of the held-out set attached to the model, as a mean
  /// log predictive density per held-out unit (token, point); nullopt if none.
  virtual std::optional<double> heldout_score() const { return std::nullopt; }

  /// All data points 0..M−1.
  Batch all_points() const {
    Batch b(static_cast<size_t>(num_data()));
    for (int64_t i = 0; i < num_data(); ++i) b[static_cast<size_t>(i)] = i;
    return b;
  }
};

}  // namespace elbo::conjugate
