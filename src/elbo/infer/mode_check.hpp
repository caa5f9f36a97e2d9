#pragma once
// Does q miss a mode? k̂ judges q against p only where q puts its draws: a q
// fitted around one local mode of a multimodal posterior (an ODE model started
// at a poor point, a mixture label-switched) can have a fine k̂ and be many
// posterior sds from the truth. This check looks elsewhere: L-BFGS from a few
// random starts (uniform(−r, r) on the unconstrained scale, Stan's inits), and
// for every start that converges to a mode θ_j:
//
//   far     d²_j = (θ_j − μ_q)ᵀ Σ_q⁻¹ (θ_j − μ_q) > D + 8 √(2D) + 20
//           (far beyond q's own draws: χ²_D's tail, about 6 sds of d²);
//   high    log p(θ_j) ≥ max over q's draws of log p − height_slack.
//
// A mode that is both is a mode of comparable height that q does not cover:
// the fit is then not reliable. Modes inside q (d² small) are the one q
// fitted; a mixture that covers both modes has a covariance that contains
// them. Starts that find no mode (a funnel's unbounded ray, the iteration
// limit) prove nothing and are only counted.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/family/family.hpp"
#include "elbo/model/log_density.hpp"

namespace elbo::infer {

struct ModeCheckOptions {
  int64_t num_starts = 8;
  double init_radius = 2.0;
  double height_slack = 2.0;  // nats below the fit's best log p that still count as "high"
  int64_t max_iterations = 1000;
  uint64_t seed = 1;
};

struct FoundMode {
  at::Tensor point;       // θ_j [D]
  double log_p = 0.0;     // log p(θ_j)
  double distance2 = 0.0; // d²_j under q's mean and covariance
  bool missed = false;    // far and high
};

struct ModeCheck {
  int64_t starts = 0;
  int64_t converged = 0;   // starts whose L-BFGS converged to a mode
  std::vector<FoundMode> modes;
  bool missed = false;     // some mode is far from q and as high as q's best
  double fit_log_p = 0.0;  // the largest log p over q's draws
  double seconds = 0.0;
  std::string message;     // one sentence
};

/// `fit_log_p`: the largest finite log p over q's draws.
ModeCheck check_other_modes(const model::LogDensity& p, family::Family& q, double fit_log_p,
                            const ModeCheckOptions& options = {});

}  // namespace elbo::infer
