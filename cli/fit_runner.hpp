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

/// A finished fit: the method's result, the draws, the verdict and the
/// contents of summary.json, before anything is written. The Python binding
/// keeps one per `elbo.Fit`; the CLI writes it (write_fit).
struct FitOutcome {
  std::shared_ptr<const MethodFit> fit;
  elbo::infer::PosteriorDraws draws;
  elbo::infer::Reliability reliability;
  nlohmann::json summary;        // summary.json
  std::string summary_weighting; // "psis", "resampled" or "none"
  std::string k_hat_message;     // one line on k̂
  double fit_seconds = 0.0;
};

/// Progress of the method (iteration, expected iterations, last bound or NaN);
/// may throw to stop the fit (the Python binding's Ctrl-C check does).
using FitProgress = std::function<void(int64_t, int64_t, double)>;

/// Fits the density with the options (options.method) and draws from the result.
FitOutcome compute_fit(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
                       const FitCliOptions& options, const FitContext& context,
                       const at::Tensor& init, const FitProgress& progress);

/// draws.csv in CmdStan's variational layout (mean row, then the draws).
void write_draws_csv(const FitOutcome& outcome, const FitCliOptions& options,
                     const FitContext& context, const std::string& path);

/// What `elbo fit` writes and prints: <output>/draws.csv, <output>/summary.json,
/// the summary table (unless --quiet), warnings on stderr; --strict throws
/// UnreliableFit for an unreliable fit after writing.
void write_fit(const FitOutcome& outcome, const FitCliOptions& options, const FitContext& context);

/// compute_fit with a progress bar on a terminal, then write_fit.
void run_fit(std::shared_ptr<const elbo::model::Model> model, const FitCliOptions& options,
             const FitContext& context);

/// The same for any density that reports its draws (a compiled Stan program);
/// `init` [D], when defined, is the start on the unconstrained scale.
void run_fit(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
             const FitCliOptions& options, const FitContext& context, const at::Tensor& init = {});

}  // namespace elbo_cli
