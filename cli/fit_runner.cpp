#include "fit_runner.hpp"
#include "memory_budget.hpp"

#include <torch/torch.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <fmt/format.h>

#include "elbo/core/error.hpp"
#include "elbo/core/threads.hpp"
#include "elbo/diagnostics/pareto_k.hpp"
#include "elbo/diagnostics/summary.hpp"
#include "elbo/infer/fit_reliability.hpp"
#include "elbo/infer/mode_check.hpp"
#include "fit_methods.hpp"
#include "next_step.hpp"
#include "unreliable_fit.hpp"
#include "elbo/io/draws_writer.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/progress_bar.hpp"
#include "elbo/io/summary_table.hpp"
#include "elbo/model/model_density.hpp"

namespace elbo_cli {

namespace {

// Above this many parameters the mode check (D×D covariance, L-BFGS runs) is skipped.
constexpr int64_t kModeCheckMaxDim = 1000;


Eigen::MatrixXd to_eigen(const at::Tensor& t) {
  auto c = t.to(torch::kDouble).contiguous();
  Eigen::MatrixXd m(c.size(0), c.size(1));
  auto a = c.accessor<double, 2>();
  for (int64_t i = 0; i < c.size(0); ++i)
    for (int64_t j = 0; j < c.size(1); ++j) m(i, j) = a[i][j];
  return m;
}

std::vector<double> to_vector(const at::Tensor& t) {
  auto c = t.to(torch::kDouble).contiguous().view({-1});
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

nlohmann::json finite_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

nlohmann::json summary_json(const elbo::diagnostics::Summary& summary) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& p : summary.parameters) {
    params[p.name] = {{"mean", finite_or_null(p.mean)}, {"sd", finite_or_null(p.sd)},
                      {"q5", finite_or_null(p.quantiles[0])}, {"q50", finite_or_null(p.quantiles[1])},
                      {"q95", finite_or_null(p.quantiles[2])}};
  }
  return params;
}

// The PSIS-weighted summary of the written draws; draws of zero weight (e.g. a
// non-finite log p, whose values may be NaN) are left out.
elbo::diagnostics::Summary weighted_summary(const Eigen::MatrixXd& values,
                                            const elbo::infer::PosteriorDraws& draws) {
  const auto w = to_vector(draws.log_weights.exp());
  std::vector<Eigen::Index> keep;
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] > 0) keep.push_back(static_cast<Eigen::Index>(i));
  }
  Eigen::MatrixXd kept(static_cast<Eigen::Index>(keep.size()), values.cols());
  Eigen::VectorXd weights(static_cast<Eigen::Index>(keep.size()));
  for (size_t i = 0; i < keep.size(); ++i) {
    kept.row(static_cast<Eigen::Index>(i)) = values.row(keep[i]);
    weights[static_cast<Eigen::Index>(i)] = w[static_cast<size_t>(keep[i])];
  }
  return elbo::diagnostics::summarize(kept, draws.names, weights);
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

// A point mass (MAP) has no density: its "draws" are one point, so k̂ (−inf,
// every ratio equal) checks nothing.
bool has_density(const MethodFit& fit) { return fit.q && fit.q->family_name() != "pointmass"; }

// What the verdict reads from the method's result and the draws; fields the
// method does not fill fall back to its details.
elbo::infer::FitDiagnostics fit_diagnostics(const MethodFit& fit, const elbo::infer::PosteriorDraws& draws,
                                            const FitCliOptions& options) {
  elbo::infer::FitDiagnostics d;
  d.converged = fit.converged;
  d.convergence_message = fit.message;
  d.has_density = has_density(fit);
  d.k_hat = draws.psis.k_hat;
  d.k_hat_reason = draws.k_hat_reason;
  d.k_threshold = draws.psis.k_threshold;
  d.dropped_draws = fit.dropped_draws;
  if (d.dropped_draws == 0 && fit.details.is_object() && fit.details.contains("dropped_draws") &&
      fit.details["dropped_draws"].is_number_integer()) {
    d.dropped_draws = fit.details["dropped_draws"].get<int64_t>();
  }
  d.gradient_draws_total = fit.gradient_draws;
  if (d.gradient_draws_total == 0 && options.method == "advi") {
    d.gradient_draws_total = fit.iterations * options.grad_draws;
  }
  d.restarts = fit.restarts;
  if (d.restarts == 0 && fit.details.is_object() && fit.details.contains("restarts")) {
    const auto& r = fit.details["restarts"];
    if (r.is_array()) d.restarts = static_cast<int64_t>(r.size());
    if (r.is_number_integer()) d.restarts = r.get<int64_t>();
  }
  d.nonfinite_output_draws = draws.nonfinite_log_p;
  d.num_draws = draws.pool_draws;
  d.importance_ess = draws.psis.ess;
  d.resampled = draws.resampled;
  d.resample_refused = draws.resample_refused;
  // Modes q does not cover (random-start L-BFGS; infer/mode_check.hpp).
  if (options.mode_check && fit.q && fit.density->dim() <= kModeCheckMaxDim) {
    double best = -std::numeric_limits<double>::infinity();
    auto lp = draws.log_p.contiguous();
    for (int64_t i = 0; i < lp.numel(); ++i) {
      const double v = lp.data_ptr<double>()[i];
      if (std::isfinite(v) && v > best) best = v;
    }
    elbo::infer::ModeCheckOptions mc;
    mc.seed = options.seed;
    auto check = elbo::infer::check_other_modes(*fit.density, *fit.q, best, mc);
    d.missed_mode = check.missed;
    d.mode_check_message = check.message;
    const elbo::infer::FoundMode* highest = nullptr;
    for (const auto& m : check.modes) {
      if (m.missed && (!highest || m.log_p > highest->log_p)) highest = &m;
    }
    if (highest) d.missed_mode_point = to_vector(highest->point);
  }
  return d;
}

}  // namespace

nlohmann::json k_hat_json(double k) {
  if (std::isnan(k)) return nullptr;
  if (std::isinf(k)) return k > 0 ? "inf" : "-inf";
  return k;
}

elbo::infer::FitDiagnostics verdict_inputs(const MethodFit& fit, const elbo::infer::PosteriorDraws& draws,
                                           const FitCliOptions& options) {
  return fit_diagnostics(fit, draws, options);
}

void run_fit(std::shared_ptr<const elbo::model::Model> model, const FitCliOptions& options,
             const FitContext& context) {
  run_fit(std::make_shared<elbo::model::ModelDensity>(std::move(model)), options, context);
}

// The dominant allocations of a fit over D parameters, refused before they are
// made (8-byte doubles; the factors count the parameters with their gradient and
// the optimizer's moments, and a draw's value with its autograd intermediates).
// The model's own per-draw work (e.g. N × K linear predictors) is not counted.
static void check_fit_memory(const FitCliOptions& o, int64_t dim) {
  const double D = static_cast<double>(dim), d8 = 8.0;
  const double budget = o.max_memory > 0 ? o.max_memory : default_memory_budget();
  const std::string& f = o.family;
  double family = 6 * D;
  std::string what = "q over D = " + std::to_string(dim) + " parameters";
  if (o.method == "svgd") {
    const double P = static_cast<double>(o.particles);
    check_memory(d8 * (4 * P * D + 3 * P * P), budget,
                 std::to_string(o.particles) + " SVGD particles of D = " + std::to_string(dim) + " and their kernel matrix",
                 "use fewer --particles");
  }
  if (o.method == "advi" || o.method == "auto") {
    if (f == "fullrank" || f.rfind("copula", 0) == 0) {
      family = 6 * D * D;
      what = "a full-rank q over D = " + std::to_string(dim) + " parameters: D² covariance entries";
    } else if (f.rfind("mixture", 0) == 0 && f.find("diag") == std::string::npos) {
      const double C = f.size() > 8 ? std::max(1.0, std::atof(f.c_str() + 8)) : 2.0;
      family = 6 * C * D * D;
      what = "a mixture of full-rank Gaussians over D = " + std::to_string(dim) + " parameters";
    } else if (f.rfind("lowrank", 0) == 0) {
      const double R = f.size() > 8 ? std::max(1.0, std::atof(f.c_str() + 8)) : 1.0;
      family = 6 * D * (R + 1);
    }
    check_memory(d8 * family, budget, what,
                 "use --family lowrank:R (D·R parameters) or meanfield, or raise --max-memory");
  }
  const bool laplace_start = o.init == "laplace" || (o.init == "auto" && dim <= 500);
  if (laplace_start) check_memory(d8 * 3 * D * D, budget, "the Laplace start's D × D Hessian", "use --init zero");
  const double draws = static_cast<double>(std::max(o.grad_draws, o.eval_draws));
  check_memory(d8 * 4 * draws * D, budget,
               std::to_string(static_cast<int64_t>(draws)) + " draws of D = " + std::to_string(dim) +
                   " per gradient or ELBO evaluation",
               "use smaller --grad-draws / --eval-draws");
  const double pool = o.resample == "never" ? 1.0 : static_cast<double>(o.resample_pool);
  check_memory(d8 * 3 * pool * static_cast<double>(o.draws) * D, budget,
               std::to_string(o.draws) + " posterior draws" + (pool > 1 ? " × a resampling pool of " +
               std::to_string(o.resample_pool) : std::string()) + " of D = " + std::to_string(dim),
               "use fewer --draws" + std::string(pool > 1 ? " or a smaller --resample-pool" : ""));
}

FitOutcome compute_fit(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
                       const FitCliOptions& options, const FitContext& context,
                       const at::Tensor& init, const FitProgress& progress) {
  check_fit_memory(options, density->dim());
  const auto start = std::chrono::steady_clock::now();
  if (options.threads > 0) elbo::set_num_threads(options.threads);
  auto fit = std::make_shared<MethodFit>(fit_method(density, options, progress, init));
  const auto fitted = std::chrono::steady_clock::now();

  elbo::infer::PosteriorDrawsOptions draw_options;
  draw_options.num_draws = options.draws;
  draw_options.resample = fit->resample.empty() ? options.resample : fit->resample;
  draw_options.resample_pool = options.resample_pool;
  draw_options.seed = options.seed + 7919;
  FitOutcome outcome;
  outcome.fit = fit;
  outcome.draws = fit->q ? elbo::infer::draw_posterior(*fit->density, *fit->q, draw_options)
                         : elbo::infer::draws_from_particles(*fit->density, fit->particles);
  const auto& draws = outcome.draws;
  const auto drawn = std::chrono::steady_clock::now();
  // Draws that are not numbers are not a posterior: say so instead of writing them.
  const int64_t nonfinite = (~torch::isfinite(draws.values)).sum().item<int64_t>();
  if (nonfinite > 0) {
    throw elbo::NumericalError(fmt::format(
        "the fit failed numerically: {} of the {} values in the draws are not finite (q diverged; with features "
        "on very different scales try --standardize, else a smaller --eta or another --family)",
        nonfinite, draws.values.numel()));
  }

  // Posterior summary of the written draws: PSIS-weighted when q has a density,
  // k̂ is below its threshold and the draws are q's own (not resampled); q's own
  // summary is then beside it in summary_q.
  const auto values = to_eigen(draws.values);
  const auto q_summary = elbo::diagnostics::summarize(values, draws.names);
  const bool psis_weighted = has_density(*fit) && elbo::infer::psis_weights_usable(draws);
  const std::string weighting = draws.resampled ? "resampled" : psis_weighted ? "psis" : "none";
  const auto summary = psis_weighted ? weighted_summary(values, draws) : q_summary;
  const auto diagnostics = fit_diagnostics(*fit, draws, options);
  const auto reliability = elbo::infer::assess_reliability(diagnostics);

  nlohmann::json trace = nlohmann::json::array();
  for (const auto& t : fit->trace) {
    trace.push_back({{"iteration", t.iteration}, {"elbo", finite_or_null(t.elbo)},
                     {"rel_change", finite_or_null(t.rel_change)}});
  }
  const double fit_seconds = std::chrono::duration<double>(fitted - start).count();
  const std::string k_message =
      has_density(*fit)
          ? elbo::diagnostics::pareto_k_message(draws.psis.k_hat, draws.pool_draws, draws.k_hat_reason)
      : fit->q ? "k-hat: none (q is a point mass, the MAP estimate: no density)"
               : "k-hat: none (" + options.method + " gives draws, not a density q)";
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json out = {
      {"model", context.model_label},
      {"method", options.method},
      {"family", options.family},
      {"objective", options.objective},
      {"data", context.data_info},
      {"settings",
       {{"grad_draws", options.grad_draws}, {"optimizer", options.optimizer}, {"eta", fit->eta},
        {"schedule", options.schedule}, {"tau", options.tau}, {"kappa", options.kappa},
        {"adapt", options.adapt}, {"max_iterations", expected_iterations(options)},
        {"eval_every", options.eval_every}, {"eval_draws", options.eval_draws},
        {"tol_rel_obj", options.tol_rel_obj}, {"batch_size", options.batch_size},
        {"average", options.average}, {"init", options.init}, {"draws", options.draws},
        {"resample", options.resample}, {"resample_pool", options.resample_pool}, {"seed", options.seed},
        {"threads", elbo::num_threads()}}},
      {"start", fit->start},
      {"iterations", fit->iterations},
      {"converged", fit->converged},
      {"convergence", fit->message},
      {"resumed", fit->resumed},
      {"method_details", fit->details},
      {"bound", fit->bound},
      {"elbo", trace.empty() ? nlohmann::json(nullptr) : trace.back()["elbo"]},
      {"elbo_trace", trace},
      {"reliable", reliability.reliable},
      {"reliability", {{"reasons", reliability.reasons}, {"notes", reliability.notes}}},
      {"mode_check", diagnostics.mode_check_message.empty()
                         ? nlohmann::json(nullptr)
                         : nlohmann::json{{"missed_mode", diagnostics.missed_mode},
                                          {"message", diagnostics.mode_check_message}}},
      {"pareto_k", has_density(*fit) || !fit->q ? k_hat_json(draws.psis.k_hat) : nlohmann::json(nullptr)},
      {"pareto_k_reason", has_density(*fit) || !fit->q
                              ? draws.k_hat_reason
                              : "q is a point mass (the MAP estimate): no density, so no k-hat"},
      {"pareto_k_threshold", draws.psis.k_threshold},
      {"pareto_k_diagnostic", k_message},
      {"importance_resampled", draws.resampled},
      {"importance_resample_refused", draws.resample_refused},
      {"importance_ess", finite_or_null(draws.psis.ess)},
      {"nonfinite_draws", {{"count", draws.nonfinite_log_p}, {"of", draws.pool_draws}}},
      {"time_seconds", total_seconds},
      {"timings", {{"fit_seconds", fit_seconds},
                   {"draws_seconds", std::chrono::duration<double>(drawn - fitted).count()},
                   {"total_seconds", total_seconds}}},
      {"summary_weighting", weighting},
      {"summary", summary_json(summary)},
  };
  if (psis_weighted) out["summary_q"] = summary_json(q_summary);
  for (const auto& [key, value] : context.extra.items()) out[key] = value;
  if (context.extra_summary) context.extra_summary(draws, out);

  outcome.reliability = reliability;
  outcome.summary = std::move(out);
  outcome.summary_weighting = weighting;
  outcome.k_hat_message = k_message;
  outcome.fit_seconds = fit_seconds;
  return outcome;
}

void write_draws_csv(const FitOutcome& outcome, const FitCliOptions& options,
                     const FitContext& context, const std::string& path) {
  const auto& fit = *outcome.fit;
  const auto& draws = outcome.draws;
  elbo::io::VariationalCsvMeta meta;
  meta.model = fit.density->model_name();
  meta.algorithm = options.method == "advi" ? options.family : options.method;
  meta.iter = expected_iterations(options);
  meta.grad_samples = options.grad_draws;
  meta.elbo_samples = options.eval_draws;
  meta.eta = fit.eta;
  meta.adapt_engaged = options.adapt;
  meta.tol_rel_obj = options.tol_rel_obj;
  meta.eval_elbo = options.eval_every;
  meta.seed = options.seed;
  meta.data_file = context.data_source;
  meta.elbo_version = "0.1.0";
  meta.extra = {{"method", options.method},
                {"objective", options.objective},
                {"optimizer", options.optimizer},
                {"pareto_k", fmt::format("{:.4g}", draws.psis.k_hat)},
                {"importance_resampled", draws.resampled ? "true" : "false"}};
  elbo::io::write_variational_csv(path, meta, draws.names, to_vector(draws.mean_row),
                                  to_vector(draws.values), to_vector(draws.log_p),
                                  to_vector(draws.log_q),
                                  elbo::io::DrawsWriterOptions().sig_figs(options.sig_figs));
}

void write_fit(const FitOutcome& outcome, const FitCliOptions& options, const FitContext& context) {
  const auto& fit = *outcome.fit;
  const auto& draws = outcome.draws;
  elbo::io::ensure_directory(options.output);
  const std::string draws_path = (std::filesystem::path(options.output) / "draws.csv").string();
  const std::string summary_path = (std::filesystem::path(options.output) / "summary.json").string();
  write_draws_csv(outcome, options, context, draws_path);
  elbo::io::write_json_file(summary_path, outcome.summary);

  if (!options.quiet) {
    const auto& weighting = outcome.summary_weighting;
    std::vector<double> mean, sd, q5, q50, q95;
    for (const auto& name : draws.names) {
      const auto& p = outcome.summary["summary"][name];
      auto number = [](const nlohmann::json& v) {
        return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
      };
      mean.push_back(number(p["mean"]));
      sd.push_back(number(p["sd"]));
      q5.push_back(number(p["q5"]));
      q50.push_back(number(p["q50"]));
      q95.push_back(number(p["q95"]));
    }
    std::printf("%s\n", weighting == "psis"
                            ? "posterior summary: PSIS-weighted draws of q (q's own: summary_q in summary.json)"
                        : weighting == "resampled" ? "posterior summary: importance-resampled draws"
                                                   : "posterior summary: draws of q (not importance-weighted)");
    std::printf("%s", elbo::io::format_summary_table(draws.names, mean, sd, q5, q50, q95).c_str());
    std::printf("\n%s after %lld iterations (%.2f s)", fit.message.c_str(),
                static_cast<long long>(fit.iterations), outcome.fit_seconds);
    if (!fit.trace.empty()) std::printf("; %s %.6g", fit.bound.c_str(), fit.trace.back().elbo);
    std::printf("\n");
    std::printf("%s%s\n", outcome.k_hat_message.c_str(),
                draws.resampled ? "; draws importance-resampled" : "");
    std::printf("wrote %s and %s\n", draws_path.c_str(), summary_path.c_str());
  }
  finish_fit(options.output, options.report, options.quiet);
  // Warnings go to stderr even with --quiet.
  std::fflush(stdout);
  if (draws.resample_refused) {
    std::fprintf(stderr, "warning: --resample %s: %s (--resample force resamples anyway)\n",
                 options.resample.c_str(), draws.resample_message.c_str());
  }
  if (!outcome.reliability.reliable) {
    std::fprintf(stderr, "warning: the fit is not reliable: %s\n",
                 join(outcome.reliability.reasons, "; ").c_str());
    if (options.strict) {
      throw UnreliableFit("--strict: the fit is not reliable (outputs written to " + options.output + ")");
    }
  }
}

void run_fit(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
             const FitCliOptions& options, const FitContext& context, const at::Tensor& init) {
  elbo::io::ensure_directory(options.output);  // an unwritable --output fails before the fit
  const std::string label =
      options.method == "advi" ? "advi " + options.family : options.method;
  elbo::io::ProgressBar bar(expected_iterations(options), label,
                            !options.quiet && elbo::io::stderr_is_terminal());
  auto outcome = compute_fit(density, options, context, init,
                             [&](int64_t iteration, int64_t total, double value) {
                               (void)total;
                               bar.update(iteration, std::isnan(value) ? std::string("")
                                                                       : fmt::format("{:.6g}", value));
                             });
  bar.finish();
  write_fit(outcome, options, context);
}

}  // namespace elbo_cli
