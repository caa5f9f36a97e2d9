#pragma once
// Automatic differentiation variational inference (Kucukelbir, Tran,
// Ranganath, Gelman & Blei 2017, JMLR 18:14): the model's latents are mapped
// to R^D by bijectors (ModelDensity), a Gaussian family is fitted there by
// maximising the reparameterised ELBO with the SVI driver.
//
//   ADVI = ModelDensity(model) + make_family(family) + ReparamElbo(K) + Svi
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "elbo/family/family.hpp"
#include "elbo/infer/laplace.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/optim/optimizer.hpp"

namespace elbo::infer {

/// The Svi settings ADVI uses by default (the CLI's): evaluate every 100
/// steps on 100 common draws, stop at a relative change of 0.002, average the
/// iterates over a tail window.
SviOptions advi_svi_defaults();

/// The defaults are the CLI's (`elbo fit`): what a user of the C++ API gets from
/// AdviOptions{} is what `elbo fit` does with no options.
struct AdviOptions {
  /// Any family::make_family spec: meanfield, fullrank, lowrank[:R], pointmass,
  /// flow:iaf*4, mixture:5, copula, hierarchical, bernoulli, categorical:C, ...
  std::string family = "fullrank";
  /// The objective: an objective::make_objective spec (elbo, renyi:α, vrmax,
  /// iwae:K, chi[:n], annealed:T) or an objective::make_score_objective spec
  /// (reinforce[+baseline|+cv][+rb][+odis:τ], odis:τ, gumbel:τ[+st]...). The
  /// hierarchical family always uses the auxiliary-variable bound.
  std::string objective = "elbo";
  int64_t grad_draws = 8;           // K, Monte-Carlo draws per gradient
  /// Path-derivative gradient (Roeder et al. 2017), lower variance near the optimum.
  bool stick_the_landing = true;
  /// Adam with a Robbins–Monro decay; optimizer.eta NaN: the family's
  /// default_step_size() (laplace_eta after a Gaussian start).
  optim::OptimizerOptions optimizer = default_optimizer();
  /// Run Stan's η search first (only with optimizer.method == "stan").
  bool adapt_eta = false;
  int64_t adapt_iterations = 50;
  /// "auto": find the posterior's mode and scale (infer/posterior_start: L-BFGS
  ///   with Stan's relative tests, Laplace's Hessian up to laplace_max_dim
  ///   parameters, else L-BFGS's inverse-Hessian diagonal) and start there —
  ///   every family in coordinates whitened by that scale (see `whiten`), a
  ///   Gaussian family at the Laplace approximation itself; kept only when its
  ///   ELBO beats the default start's (else zero). "laplace": the same, for any D.
  /// "zero": μ = 0; "random": μ ~ Uniform(−2, 2) as Stan's default init.
  std::string init = "auto";
  int64_t laplace_max_dim = 500;
  /// The mode search's limits (iterations, Stan's tolerances, history).
  LaplaceOptions laplace;
  /// Fit in coordinates standardised by the start, θ = θ̂ + L u (the returned
  /// q is reported on θ's scale; family::WhitenedFamily). Only with a start
  /// and a reparameterised objective.
  bool whiten = true;
  /// Base step size after a Gaussian (Laplace) start: q then starts near the
  /// optimum, where Adam's first steps (≈ η per coordinate whatever the
  /// gradient) would throw it away with a large η. NaN: use optimizer.eta.
  double laplace_eta = 0.005;
  /// Where q is centred and L-BFGS starts [D] (unconstrained); undefined: θ = 0.
  at::Tensor init_point;
  SviOptions svi = advi_svi_defaults();

  static optim::OptimizerOptions default_optimizer();
};

struct AdviFit {
  std::shared_ptr<const model::ConstrainedDensity> density;
  family::FamilyPtr q;
  SviResult svi;
  double eta = 0.0;  // step size used (after the search, if any)
  std::string init_message;  // how q was started (Laplace start or its failure)
  /// q was fitted in whitened coordinates (q is then a family::WhitenedFamily).
  bool whitened = false;
};

/// Fits q; resumes from options.svi.checkpoint_path when `resume` is true.
AdviFit advi(std::shared_ptr<const model::Model> model, const AdviOptions& options,
             const ProgressCallback& progress = nullptr, bool resume = false);

/// The same on any density that reports its draws (a compiled Stan program).
AdviFit advi(std::shared_ptr<const model::ConstrainedDensity> density, const AdviOptions& options,
             const ProgressCallback& progress = nullptr, bool resume = false);

}  // namespace elbo::infer
