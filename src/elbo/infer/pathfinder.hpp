#pragma once
// Pathfinder (Zhang, Carpenter, Gelman & Vehtari 2022, "Pathfinder: parallel
// quasi-Newton variational inference", JMLR 23(306); Stan 2.33's `pathfinder`).
//
// Single path (the paper's Algorithm 1): maximise log p by L-BFGS
// (optim::lbfgs_maximize with history J, recording the path x_0 … x_L). At
// every iterate l ≥ 1 build the Gaussian N(μ_l, Σ_l) whose covariance is the
// L-BFGS inverse-Hessian estimate of the J most recent (s, y) pairs on the path
// (differences of consecutive iterates, kept when sᵀy > ε‖y‖²) over the
// diagonal initial estimate diag(α_l) of the paper's update (α starts at 1
// and is updated with every kept pair), and μ_l = x_l + Σ_l ∇log p(x_l): the
// quasi-Newton step from x_l. Estimate its ELBO with K draws
// (mean of log p − log q; a draw with non-finite log p makes it −inf) and keep
// the best l. Σ_l = diag(α) + β γ βᵀ is used in factorised form (the paper's
// Algorithm 4: a thin QR of diag(α)^{-1/2} β when 2J < D, O(D J²) per
// iterate); only the winner's Σ is formed densely (D × D) for the family.
//
// Multi-path: num_paths paths from random inits uniform(−init_radius,
// init_radius) on the unconstrained scale (or all from `init`, when given),
// each path's best Gaussian one component of an equal-weight mixture. The
// paper's final step (PSIS importance resampling of the pooled draws with
// per-path ratios p/q_i) is left to draw_posterior with resample = "auto":
// its weights use the mixture's density q = (1/I) Σ_i q_i, a balance-heuristic
// (multiple importance sampling) variant of the paper's per-path weights.
// A path whose L-BFGS throws or whose every ELBO is non-finite is dropped and
// recorded with its message; when every path fails, NumericalError.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "elbo/family/family.hpp"
#include "elbo/model/log_density.hpp"
#include "elbo/optim/lbfgs.hpp"

namespace elbo::infer {

struct PathfinderOptions {
  /// Number of single paths (Stan: num_paths 4).
  TORCH_ARG(int64_t, num_paths) = 4;
  /// J: (s, y) pairs per covariance estimate (the paper: J = 6; CmdStan: 5); also
  /// the L-BFGS history.
  TORCH_ARG(int64_t, history_size) = 6;
  /// K: draws per ELBO estimate (CmdStan 2.33's num_elbo_draws = 25; the paper's
  /// experiments used 5). With K = 5 the choice of iterate is mostly ELBO noise on a
  /// near-Gaussian posterior (means up to 0.5 sd from the mode on a logistic
  /// regression); 25 brings that to ~0.1 sd.
  TORCH_ARG(int64_t, elbo_draws) = 25;
  /// The L-BFGS (Stan's tolerances, max_lbfgs_iters 1000; history_size is replaced
  /// by J, record_path is set).
  TORCH_ARG(optim::LbfgsOptions, lbfgs) = optim::LbfgsOptions().max_iterations(1000);
  TORCH_ARG(uint64_t, seed) = 1;
  /// Start of every path [D]; undefined: uniform(−init_radius, init_radius) per path.
  TORCH_ARG(at::Tensor, init) = {};
  TORCH_ARG(double, init_radius) = 2.0;
};

struct PathfinderPath {
  at::Tensor mean;        // μ of the best Gaussian on the path [D] (undefined if failed)
  at::Tensor covariance;  // its Σ [D, D]
  double elbo = -std::numeric_limits<double>::infinity();  // its ELBO estimate
  int64_t best_iteration = -1;  // l of the best Gaussian
  int64_t iterations = 0;       // L-BFGS iterations
  int64_t gradient_evaluations = 0;
  optim::LbfgsStatus status = optim::LbfgsStatus::max_iterations;
  bool failed = false;          // dropped (see message)
  std::string message;          // L-BFGS's account, or why the path was dropped
};

struct PathfinderResult {
  std::vector<PathfinderPath> paths;  // every path, failed ones included
  /// One path: family::FullRankGaussian; several: family::GaussianMixture
  /// (full-rank components, equal weights) over the paths that did not fail.
  family::FamilyPtr q;
  int64_t best_path = -1;  // the path with the highest ELBO
  double seconds = 0.0;
  int64_t gradient_evaluations = 0;  // L-BFGS evaluations of log p and ∇log p
  int64_t density_evaluations = 0;   // log p at ELBO draws
};

/// Runs Pathfinder on all data. Throws ConfigError on bad options,
/// NumericalError when every path fails.
PathfinderResult pathfinder(std::shared_ptr<const model::LogDensity> p,
                            const PathfinderOptions& options = {});

}  // namespace elbo::infer
