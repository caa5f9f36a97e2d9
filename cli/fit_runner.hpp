#pragma once
// Runs ADVI for a model built by a `fit` command and writes what every fit
// writes: <output>/draws.csv (CmdStan's variational CSV), <output>/summary.json
// (settings, ELBO trace, k̂, timings, posterior summary) and a summary table
// on stdout.
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "advi_cli.hpp"
#include "elbo/infer/fit_reliability.hpp"
#include "elbo/infer/posterior_draws.hpp"
#include "elbo/model/constrained_density.hpp"
#include "elbo/model/model.hpp"

namespace elbo_cli {

struct FitContext {
  std::string model_label;       // "logistic", "eight_schools", ...
  std::string data_source;       // file name or "<built-in ...>"
  nlohmann::json data_info;      // sizes, scaling, ...
  /// Optional: extra summary sections from the final draws (e.g. coefficients
  /// on the original feature scale), added to summary.json.
  std::function<void(const elbo::infer::PosteriorDraws&, nlohmann::json&)> extra_summary;
  /// Optional: sections added to summary.json as they are (e.g. compilation).
  nlohmann::json extra = nlohmann::json::object();
};

struct MethodFit;

/// k̂ for summary.json: JSON has no inf, so an infinite k̂ is the string "inf"
/// (or "-inf"); NaN (no density q, so no k̂) is null.
nlohmann::json k_hat_json(double k);

/// What the reliability verdict (infer/fit_reliability) reads from a method's
/// result and its draws (also --method auto's, to judge each rung).
elbo::infer::FitDiagnostics verdict_inputs(const MethodFit& fit, const elbo::infer::PosteriorDraws& draws,
                                           const FitCliOptions& options);

void run_fit(std::shared_ptr<const elbo::model::Model> model, const FitCliOptions& options,
             const FitContext& context);

/// The same for any density that reports its draws (a compiled Stan program);
/// `init` [D], when defined, is the start on the unconstrained scale.
void run_fit(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
             const FitCliOptions& options, const FitContext& context, const at::Tensor& init = {});

}  // namespace elbo_cli
