#pragma once
// Fitting an Svgp: Adam on the hyperparameters (kernel, likelihood, and the
// inducing inputs unless fixed) and on q(v) — or natural-gradient steps on q(v)
// with Adam on the rest — over shuffled minibatches, ELBO scaled by M/S. The
// "collapsed" method (Gaussian likelihood, full batch) sets q(v) to its optimum
// before every Adam step, so by the envelope theorem Adam climbs the Titsias
// bound itself.
#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "elbo/gp/adam.hpp"
#include "elbo/gp/svgp.hpp"

namespace elbo::gp {

enum class SvgpMethod { adam, natural_gradient, collapsed };

struct SvgpFitOptions {
  SvgpMethod method = SvgpMethod::natural_gradient;
  int64_t batch_size = 1024;      // ≥ M: full batch
  int64_t steps = 1000;
  double learning_rate = 0.01;    // Adam
  double natural_step = 0.1;      // ρ of the natural-gradient steps
  // Both step sizes fall linearly to 1% over this last fraction of the steps:
  // at a fixed ρ the minibatch noise keeps q(v) a few nats below the optimum.
  double anneal_fraction = 0.25;
  bool learn_inducing = true;
  uint64_t seed = 1;
};

/// Everything a run needs to continue where it stopped (a checkpoint).
struct SvgpFitState {
  int64_t step = 0;
  AdamAscent adam;
  std::mt19937_64 rng;
  std::vector<int64_t> order;  // this epoch's permutation of the rows
  int64_t cursor = 0;          // next row of `order`
  std::vector<double> trace;   // ELBO estimate per step
};

/// Called after every step with the step number and the minibatch ELBO; return
/// false to stop early.
using SvgpStepCallback = std::function<bool(int64_t step, double elbo)>;

/// The flat vector Adam moves: kernel θ, likelihood θ, Z (if learnt), and — for
/// method adam — μ and L_S's lower triangle (log diagonal).
Eigen::VectorXd pack_svgp(const Svgp& model, const SvgpFitOptions& options);
void unpack_svgp(Svgp& model, const SvgpFitOptions& options, const Eigen::VectorXd& x);

SvgpFitState start_svgp_fit(int64_t rows, const SvgpFitOptions& options);

/// Runs options.steps − state.step more steps on (X, y).
void fit_svgp(Svgp& model, const Matrix& X, const Vector& y, const SvgpFitOptions& options, SvgpFitState& state,
              const SvgpStepCallback& callback = nullptr);

/// T inducing inputs: k-means++ centres of the rows of X (on a subsample of at
/// most 65,536 rows); a ConfigError if T exceeds the number of rows.
Matrix initial_inducing_points(const Matrix& X, int64_t T, uint64_t seed);

/// The start named by `start`: "kmeans++", "variance" (greedy_variance.hpp) or
/// "auto" — greedy variance for the collapsed bound, whose L-BFGS it brings much
/// nearer its optimum, and k-means++ for the SVGP, where the two are alike
/// (bench/compare/gp). A ConfigError for another name.
std::string resolve_inducing_start(const std::string& start, SvgpMethod method);

/// T inducing inputs from that start, under `kernel` (greedy variance needs it).
Matrix starting_inducing_points(const std::string& start, SvgpMethod method, const Kernel& kernel, const Matrix& X,
                                int64_t T, uint64_t seed);

}  // namespace elbo::gp
