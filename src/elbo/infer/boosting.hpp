#pragma once
// Boosting variational inference (Guo, Wang, Fan, Broderick & Dunson 2016,
// "Boosting Variational Inference"; Miller, Foti & Adams 2017, "Variational
// Boosting: Iteratively Refining Posterior Approximations", ICML): a Gaussian
// mixture grown one component at a time.
//
//   stage 1: fit one Gaussian q_1 by the reparameterised ELBO (SVI driver);
//   stage c: keep q_{c−1} fixed and fit a new component N(μ_c, L_c L_cᵀ) and its
//            weight ρ ∈ (0, 1) by maximising the ELBO of
//              q_c = (1 − ρ) q_{c−1} + ρ N(μ_c, L_c L_cᵀ)
//            with stratified draws (K from every component, weights = mixture
//            weights / K; Miller et al. §3.2), ρ = sigmoid(a).
//
// Initialising the new component where the mixture fits worst (in the spirit
// of Miller et al. §3.3, who start it at a high-weight draw of p/q): draw
// candidate_draws candidates from q_{c−1} with every component's scale
// multiplied by candidate_inflation, estimate log Z by log Σ_k w_k p/q on
// stratified draws of q_{c−1}, and start μ_c at the candidate with the largest
// residual density p(θ)/Ẑ − q_{c−1}(θ) (the mass q is missing; the plain ratio
// p/q would pick the farthest tail draw whenever p has heavier tails than q).
// L_c starts at init_scale · chol(Σ_c π_c Σ_c), ρ at initial_weight.
//
// After each stage the mixture's ELBO is estimated with eval_draws draws per
// component (fixed seed); a stage that does not raise it is rejected (the
// component is dropped), so the reported ELBO sequence is non-decreasing up to
// Monte-Carlo error of the comparison.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "elbo/family/gaussian_mixture.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/log_density.hpp"
#include "elbo/optim/optimizer.hpp"

namespace elbo::infer {

struct BoostingOptions {
  /// Components of the final mixture (stages run), ≥ 1.
  TORCH_ARG(int64_t, num_components) = 3;
  /// Full-rank (true) or diagonal components.
  TORCH_ARG(bool, full_rank) = true;
  /// Draws per component per gradient step.
  TORCH_ARG(int64_t, grad_draws) = 4;
  TORCH_ARG(optim::OptimizerOptions, optimizer) = {};
  /// The SVI driver's options for every stage (stage s uses seed + s).
  TORCH_ARG(SviOptions, svi) = {};
  /// Initial location of the first component; undefined: 0.
  TORCH_ARG(at::Tensor, init_location) = {};
  TORCH_ARG(int64_t, candidate_draws) = 2000;
  TORCH_ARG(double, candidate_inflation) = 3.0;
  /// ρ at the start of each stage, in (0, 1).
  TORCH_ARG(double, initial_weight) = 0.3;
  /// New component's scale relative to the mixture's average component scale.
  TORCH_ARG(double, init_scale) = 1.0;
  /// Draws per component for each stage's ELBO estimate.
  TORCH_ARG(int64_t, eval_draws) = 2000;
};

struct BoostingStage {
  int64_t components = 0;     // in the mixture after the stage
  bool accepted = true;       // false: the new component did not raise the ELBO
  double weight = 1.0;        // fitted ρ (1 for the first stage)
  double elbo = 0.0;          // the mixture's ELBO after the stage
  at::Tensor init_location;   // where the new component started [D]
  at::Tensor location;        // where it ended [D]
  SviResult svi;
};

struct BoostingResult {
  std::shared_ptr<family::GaussianMixture> q;
  std::vector<BoostingStage> stages;
  double seconds = 0.0;
};

/// Runs num_components stages on p. Throws ConfigError on bad options.
BoostingResult variational_boosting(std::shared_ptr<const model::LogDensity> p,
                                    const BoostingOptions& options);

}  // namespace elbo::infer
