#pragma once
// `elbo fit --method advi|laplace|boosting|svgd|constant_sgd`: every method ends
// in one of two forms, which the fit runner writes the same way —
//   a distribution q over θ (ADVI with any family and objective, Laplace,
//     boosting): draws, log q and PSIS k̂ come from it;
//   draws on the unconstrained scale (SVGD particles, constant-SGD iterates):
//     no density, so no k̂.
#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "advi_cli.hpp"
#include "elbo/family/family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model.hpp"
#include "elbo/model/constrained_density.hpp"

namespace elbo_cli {

struct MethodFit {
  std::shared_ptr<const elbo::model::ConstrainedDensity> density;
  elbo::family::FamilyPtr q;   // null for draw-based methods
  at::Tensor particles;        // [S, D] unconstrained draws when q is null
  int64_t iterations = 0;
  bool converged = true;
  std::string message;         // how the run ended
  std::vector<elbo::infer::TracePoint> trace;  // bound estimates during the run
  std::string bound = "ELBO";  // what trace holds ("ELBO", "CUBO", "auxiliary bound", …)
  double eta = 0.0;            // step size used (0 when the method has none)
  std::string start;           // how the method was started
  bool resumed = false;
  nlohmann::json details = nlohmann::json::object();  // method-specific results
  // Read by the fit runner's reliability verdict (fit_reliability.hpp); 0 when
  // the method has none. Without them it falls back to details["dropped_draws"],
  // details["restarts"] and, for advi, iterations × --grad-draws.
  int64_t dropped_draws = 0;   // gradient draws dropped for a non-finite log p
  int64_t gradient_draws = 0;  // gradient draws taken in all (0: unknown)
  int64_t restarts = 0;        // restarts after a divergence
  /// How the runner draws from q when the method decides it (--method auto's
  /// Pathfinder and mixture rungs resample); empty: --resample as given.
  std::string resample;
};

/// Progress: (iteration, max iterations, last bound value or NaN).
using MethodProgress = std::function<void(int64_t, int64_t, double)>;

/// Iterations the progress bar should expect for this method and options.
int64_t expected_iterations(const FitCliOptions& options);

/// Runs options.method on the density (throws elbo's typed errors); `init`
/// [D], when defined, is the start on the unconstrained scale.
MethodFit fit_method(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
                     const FitCliOptions& options, const MethodProgress& progress,
                     const at::Tensor& init = {});

/// Seconds of wall time since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace elbo_cli
