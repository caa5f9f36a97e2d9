#pragma once
// Automatic differentiation variational inference (Kucukelbir, Tran,
// Ranganath, Gelman & Blei 2017, JMLR 18:14): the model's latents are mapped
// to R^D by bijectors (ModelDensity), a Gaussian family is fitted there by
// maximising the reparameterised ELBO with the SVI driver.
//
//   ADVI = ModelDensity(model) + make_family(family) + ReparamElbo(K) + Svi
#include <cstdint>
#include <memory>
#include <string>

#include "elbo/family/family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/optim/optimizer.hpp"

namespace elbo::infer {

struct AdviOptions {
  std::string family = "fullrank";  // meanfield | fullrank | lowrank[:R] | pointmass
  int64_t grad_draws = 1;           // K, Monte-Carlo draws per gradient
  /// Path-derivative gradient (Roeder et al. 2017), lower variance near the optimum.
  bool stick_the_landing = false;
  optim::OptimizerOptions optimizer;
  /// Run Stan's η search first (only with optimizer.method == "stan").
  bool adapt_eta = false;
  int64_t adapt_iterations = 50;
  /// "zero": μ = 0; "random": μ ~ Uniform(−2, 2) as Stan's default init.
  std::string init = "zero";
  SviOptions svi;
};

struct AdviFit {
  std::shared_ptr<model::ModelDensity> density;
  family::FamilyPtr q;
  SviResult svi;
  double eta = 0.0;  // step size used (after the search, if any)
};

/// Fits q; resumes from options.svi.checkpoint_path when `resume` is true.
AdviFit advi(std::shared_ptr<const model::Model> model, const AdviOptions& options,
             const ProgressCallback& progress = nullptr, bool resume = false);

}  // namespace elbo::infer
