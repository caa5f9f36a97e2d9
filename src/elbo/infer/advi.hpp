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
#include "elbo/infer/svi.hpp"
#include "elbo/model/model.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/optim/optimizer.hpp"

namespace elbo::infer {

struct AdviOptions {
  /// Any family::make_family spec: meanfield, fullrank, lowrank[:R], pointmass,
  /// flow:iaf*4, mixture:5, copula, hierarchical, bernoulli, categorical:C, ...
  std::string family = "fullrank";
  /// The objective: an objective::make_objective spec (elbo, renyi:α, vrmax,
  /// iwae:K, chi[:n], annealed:T) or an objective::make_score_objective spec
  /// (reinforce[+baseline|+cv][+rb][+odis:τ], odis:τ, gumbel:τ[+st]...). The
  /// hierarchical family always uses the auxiliary-variable bound.
  std::string objective = "elbo";
  int64_t grad_draws = 1;           // K, Monte-Carlo draws per gradient
  /// Path-derivative gradient (Roeder et al. 2017), lower variance near the optimum.
  bool stick_the_landing = false;
  /// optimizer.eta NaN: the family's default_step_size().
  optim::OptimizerOptions optimizer;
  /// Run Stan's η search first (only with optimizer.method == "stan").
  bool adapt_eta = false;
  int64_t adapt_iterations = 50;
  /// "zero": μ = 0; "random": μ ~ Uniform(−2, 2) as Stan's default init;
  /// "laplace": a Gaussian family (fullrank, meanfield) starts at the Laplace
  /// approximation N(θ̂, A⁻¹) when L-BFGS finds a mode with a positive-definite
  /// A and that start has a higher ELBO than the default one (else zero);
  /// "auto": laplace when dim ≤ laplace_max_dim (its Hessian costs D backward
  /// passes), zero otherwise.
  std::string init = "zero";
  int64_t laplace_max_dim = 500;
  /// Base step size after a successful Laplace start (optimizer.eta otherwise).
  /// q then starts near the optimum, where Adam's first steps (≈ η per
  /// coordinate whatever the gradient) would throw it away with a large η.
  /// NaN: use optimizer.eta.
  double laplace_eta = std::numeric_limits<double>::quiet_NaN();
  /// Where q is centred and L-BFGS starts [D] (unconstrained); undefined: θ = 0.
  at::Tensor init_point;
  SviOptions svi;
};

struct AdviFit {
  std::shared_ptr<const model::ConstrainedDensity> density;
  family::FamilyPtr q;
  SviResult svi;
  double eta = 0.0;  // step size used (after the search, if any)
  std::string init_message;  // how q was started (Laplace start or its failure)
};

/// Fits q; resumes from options.svi.checkpoint_path when `resume` is true.
AdviFit advi(std::shared_ptr<const model::Model> model, const AdviOptions& options,
             const ProgressCallback& progress = nullptr, bool resume = false);

/// The same on any density that reports its draws (a compiled Stan program).
AdviFit advi(std::shared_ptr<const model::ConstrainedDensity> density, const AdviOptions& options,
             const ProgressCallback& progress = nullptr, bool resume = false);

}  // namespace elbo::infer
