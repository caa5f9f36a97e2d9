#pragma once
// `elbo fit --method auto`: fit the default, and while the fit is not reliable
// (infer/fit_reliability: converged, k̂ < 0.7, ...) climb a fixed ladder of
// methods, each more flexible (and slower) than the last, within --budget:
//
//   1. advi --family fullrank                  (the default; whitened, Laplace start)
//   2. pathfinder --num-paths 4                (multi-path, PSIS-resampled; seconds)
//   3. advi --family flow:iaf*4                (a flow on the whitened coordinates)
//   4. advi --family mixture:8 --objective renyi:0.5 --resample auto
//                                             (mass-covering mixture; multimodal posteriors)
//
// When a rung's mode check (infer/mode_check) finds a higher mode outside q,
// the next rung is rung 1 again, started at that mode (once).
//
// The first reliable rung is returned; when none is, the rung with the
// smallest k̂ (converged rungs first), marked unreliable. summary.json's
// method_details.auto lists every rung tried with its diagnostics.
#include <ATen/core/Tensor.h>

#include <memory>

#include "advi_cli.hpp"
#include "fit_methods.hpp"
#include "elbo/model/constrained_density.hpp"

namespace elbo_cli {

/// The options of each rung, in order: `base` with method, family, objective
/// and resample set per rung.
std::vector<FitCliOptions> auto_ladder(const FitCliOptions& base);

MethodFit fit_auto(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
                   const FitCliOptions& options, const MethodProgress& progress,
                   const at::Tensor& init = {});

}  // namespace elbo_cli
