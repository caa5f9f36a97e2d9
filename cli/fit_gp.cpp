// `elbo fit gp`: a sparse variational Gaussian process (SVGP, inducing points)
// on a CSV or CmdStan-style JSON table — regression (Gaussian, Student-t),
// classification (Bernoulli probit or logit) or counts (Poisson). Features are
// standardised as the regressions do (design_matrix); Gaussian and Student-t
// targets are also centred and scaled (undone by predict). Methods: natural
// (natural-gradient steps on q(u), Adam on the rest, minibatches), adam
// (everything by Adam) or collapsed (Titsias's bound, full batch, Gaussian
// only; L-BFGS by default, as SGPR fits it, or Adam). Writes DIR/model.json (for `elbo predict`) and DIR/summary.json (ELBO
// trace, hyperparameters, timings); --checkpoint/--resume continue a killed run
// to the same result (an L-BFGS run restarts from the checkpointed iterate: its
// curvature pairs are rebuilt, so it ends close to, not bit-equal to, the
// uninterrupted run).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <malloc.h>
#include <memory>

#include "commands.hpp"
#include "gp_checkpoint.hpp"
#include "gp_model_io.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/threads.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihood.hpp"
#include "elbo/gp/svgp.hpp"
#include "elbo/gp/svgp_fit.hpp"
#include "elbo/gp_optim/collapsed_lbfgs.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/progress_bar.hpp"
#include "elbo/models/design_matrix.hpp"
#include "regression_table.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

namespace {

namespace egp = elbo::gp;
using GpClock = std::chrono::steady_clock;

struct GpArgs {
  std::string data, target, kernel = "rbf", likelihood = "gaussian", method = "natural", optimizer = "lbfgs", output, checkpoint;
  std::string inducing_start = "auto";
  int64_t inducing = 0, batch_size = 1024, steps = 1000, checkpoint_every = 0;
  double learning_rate = 0.01, natural_step = 0.1, anneal_fraction = 0.25;
  double lengthscale = 0, noise = 0.1, student_df = 4.0, jitter = 1e-6;
  bool optimizer_set = false;
  bool standardize = true, final_elbo = true, fix_inducing = false, resume = false, no_progress = false, quiet = false;
  uint64_t seed = 1;
  int threads = 0;
};

double gp_seconds_since(GpClock::time_point t) { return std::chrono::duration<double>(GpClock::now() - t).count(); }

void check_gp_options(const GpArgs& a) {
  auto bad = [](const std::string& what) { throw elbo::ConfigError("fit gp: " + what); };
  if (a.inducing < 0) bad(fmt::format("--inducing is {}, but must be at least 1", a.inducing));
  if (a.batch_size < 1) bad(fmt::format("--batch-size is {}, but must be at least 1", a.batch_size));
  if (a.steps < 0) bad(fmt::format("--steps is {}, but must be at least 0", a.steps));
  if (!(a.learning_rate > 0)) bad(fmt::format("--learning-rate is {}, but must be positive", a.learning_rate));
  if (!(a.natural_step > 0 && a.natural_step <= 1)) bad(fmt::format("--natural-step is {}, but must be in (0, 1]", a.natural_step));
  if (!(a.anneal_fraction >= 0 && a.anneal_fraction <= 1)) bad(fmt::format("--anneal-fraction is {}, but must be in [0, 1]", a.anneal_fraction));
  if (!(a.lengthscale >= 0)) bad(fmt::format("--lengthscale is {}, but must be positive", a.lengthscale));
  if (!(a.noise > 0)) bad(fmt::format("--noise is {}, but must be positive", a.noise));
  if (!(a.student_df > 0)) bad(fmt::format("--student-df is {}, but must be positive", a.student_df));
  if (!(a.jitter >= 0)) bad(fmt::format("--jitter is {}, but must be at least 0", a.jitter));
  if (a.checkpoint_every < 0) bad("--checkpoint-every must be at least 0");
  if (a.method == "collapsed" && a.likelihood != "gaussian") {
    bad("--method collapsed needs --likelihood gaussian (the Titsias bound is closed form only there); use natural or adam");
  }
  if (a.optimizer_set && a.method != "collapsed") {
    bad("--optimizer is for --method collapsed (natural and adam take Adam steps on minibatches)");
  }
  if (a.resume && a.checkpoint.empty()) bad("--resume needs --checkpoint FILE");
  if (a.output.empty()) bad("--output DIR is required (model.json and summary.json are written there)");
}

egp::SvgpMethod gp_method_of(const std::string& m) {
  if (m == "adam") return egp::SvgpMethod::adam;
  if (m == "collapsed") return egp::SvgpMethod::collapsed;
  return egp::SvgpMethod::natural_gradient;
}

// What a checkpoint must have been written by: the data size and the options.
nlohmann::json gp_fingerprint(const GpArgs& a, int64_t rows, int64_t dims, int64_t T) {
  return {{"rows", rows}, {"features", dims}, {"inducing", T}, {"kernel", a.kernel}, {"likelihood", a.likelihood},
          {"method", a.method}, {"optimizer", a.optimizer}, {"steps", a.steps}, {"batch_size", a.batch_size}, {"seed", a.seed},
          {"fix_inducing", a.fix_inducing}, {"learning_rate", a.learning_rate}, {"natural_step", a.natural_step},
          {"anneal_fraction", a.anneal_fraction}, {"inducing_start", a.inducing_start}};
}

// Σ_i E_q[log p(y_i | f_i)] − KL on all rows, `batch` rows at a time (never a T×M matrix).
double gp_full_elbo(const egp::Svgp& model, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Eigen::Index batch = 8192) {
  const double kl = model.kl();
  double total = -kl;
  for (Eigen::Index start = 0; start < X.rows(); start += batch) {
    const Eigen::Index n = std::min(batch, X.rows() - start);
    total += model.elbo(X.middleRows(start, n), y.segment(start, n), 1.0) + kl;
  }
  return total;
}

// Every step allocates and frees a few T×M matrices (30 MB at T = 768, M = 5000).
// glibc serves such blocks by mmap and unmaps them on free, so each one is
// faulted in afresh: a third of a collapsed step's time. Keep them in the heap.
void keep_large_blocks_in_the_heap() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void run_fit_gp(const GpArgs& a) {
  check_gp_options(a);
  keep_large_blocks_in_the_heap();
  if (a.threads > 0) elbo::set_num_threads(a.threads);
  const auto t_load = GpClock::now();
  const elbo::io::Table table = read_regression_table(a.data);
  const auto design = elbo::models::design_matrix(
      table, elbo::models::DesignMatrixOptions().target(a.target).standardize(a.standardize));
  const int64_t M = design.X.size(0), D = design.X.size(1);
  auto Xt = design.X.contiguous();
  // design.X is row-major [M, D]; the GP takes rows of an Eigen (column-major) matrix.
  const Eigen::MatrixXd X = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      Xt.data_ptr<double>(), M, D);
  auto yt = design.y.contiguous();
  Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(yt.data_ptr<double>(), M);

  GpScaling scaling;
  scaling.features = design.feature_names;
  scaling.target = design.target_name;
  scaling.standardized = design.standardized;
  auto mt = design.means.contiguous(), st = design.sds.contiguous();
  scaling.means = Eigen::Map<const Eigen::VectorXd>(mt.data_ptr<double>(), D);
  scaling.sds = Eigen::Map<const Eigen::VectorXd>(st.data_ptr<double>(), D);

  auto likelihood = egp::make_likelihood(a.likelihood, a.noise, a.student_df);
  likelihood->check_targets(y, table.source, design.target_name);
  if (a.likelihood == "gaussian" || a.likelihood == "student_t") {
    // The GP's prior mean is 0 and its kernel scales start at 1: centre and scale y.
    scaling.target_mean = y.mean();
    scaling.target_sd = M > 1 ? std::sqrt((y.array() - scaling.target_mean).square().sum() / static_cast<double>(M - 1)) : 0.0;
    if (!(scaling.target_sd > 0)) {
      throw elbo::DomainError("fit gp: target column '" + design.target_name + "' of " + table.source +
                              " is constant: nothing to regress");
    }
    y = (y.array() - scaling.target_mean) / scaling.target_sd;
  }
  const double load_seconds = gp_seconds_since(t_load);

  const int64_t T = a.inducing > 0 ? a.inducing : std::min<int64_t>(256, M);
  if (T > M) {
    throw elbo::ConfigError(fmt::format("fit gp: --inducing is {}, but {} has only {} rows (at most one inducing "
                                        "point per row)", T, table.source, M));
  }
  const auto t_init = GpClock::now();
  const double lengthscale = a.lengthscale > 0 ? a.lengthscale : std::sqrt(static_cast<double>(D));
  auto kernel = egp::make_kernel(a.kernel, D, lengthscale);
  // All rows: the inducing inputs are the data (the sparse GP is then the exact one).
  const std::string start = egp::resolve_inducing_start(a.inducing_start, gp_method_of(a.method));
  egp::Matrix Z = T == M ? X : egp::starting_inducing_points(start, gp_method_of(a.method), *kernel, X, T, a.seed);
  egp::Svgp model(std::move(kernel), std::move(likelihood), std::move(Z), a.jitter);
  const double init_seconds = gp_seconds_since(t_init);

  egp::SvgpFitOptions options;
  options.method = gp_method_of(a.method);
  options.batch_size = a.batch_size;
  options.steps = a.steps;
  options.learning_rate = a.learning_rate;
  options.natural_step = a.natural_step;
  options.anneal_fraction = a.anneal_fraction;
  options.learn_inducing = !a.fix_inducing;
  options.seed = a.seed;
  egp::SvgpFitState state = egp::start_svgp_fit(M, options);
  const nlohmann::json fingerprint = gp_fingerprint(a, M, D, T);
  int64_t resumed_from = 0;
  if (a.resume && std::filesystem::exists(a.checkpoint)) {
    resumed_from = load_gp_checkpoint(a.checkpoint, fingerprint, model, state, options, M);
    if (!a.quiet) fmt::print("resumed from {} at step {}\n", a.checkpoint, resumed_from);
  }
  const int64_t every = a.checkpoint.empty() ? 0 : (a.checkpoint_every > 0 ? a.checkpoint_every : std::max<int64_t>(1, a.steps / 10));

  const bool full_batch = options.method == egp::SvgpMethod::collapsed || a.batch_size >= M;
  const int64_t S = full_batch ? M : a.batch_size;
  const bool lbfgs = options.method == egp::SvgpMethod::collapsed && a.optimizer == "lbfgs";
  egp::CollapsedLbfgsOutcome lbfgs_outcome;
  const auto t_fit = GpClock::now();
  {
    elbo::io::ProgressBar bar(a.steps, lbfgs ? "SGPR L-BFGS" : "SVGP " + a.method, !a.no_progress && !a.quiet);
    bar.update(state.step);
    auto after_step = [&](int64_t step, double value) {
      bar.update(step, fmt::format("ELBO {:.6g}", value));
      if (every > 0 && (step % every == 0 || step == a.steps)) {
        save_gp_checkpoint(a.checkpoint, fingerprint, model, state, step);
      }
      return true;
    };
    if (lbfgs) {
      // --steps bounds the L-BFGS iterations; a resumed run has what is left.
      egp::CollapsedLbfgsOptions lo;
      lo.max_iterations = a.steps - state.step;
      lo.learn_inducing = !a.fix_inducing;
      const int64_t done = state.step;
      if (lo.max_iterations > 0) {
        lbfgs_outcome = egp::fit_collapsed_lbfgs(model, X, y, lo, [&](int64_t iteration, double value) {
          state.step = done + iteration;
          state.trace.push_back(value);
          after_step(state.step, value);
        });
      }
    } else {
      egp::fit_svgp(model, X, y, options, state, after_step);
      // Collapsed: q(u) at its optimum for the final hyperparameters (one exact natural step).
      if (options.method == egp::SvgpMethod::collapsed) model.natural_gradient_step(X, y, 1.0, 1.0);
    }
    bar.finish();
  }
  const double fit_seconds = gp_seconds_since(t_fit);
  const auto t_elbo = GpClock::now();
  const double final_elbo = a.final_elbo ? gp_full_elbo(model, X, y) : NAN;  // NaN: null in summary.json
  const double elbo_seconds = gp_seconds_since(t_elbo);

  write_saved_model(a.output, "gp", gp_model_json(model, scaling, a.student_df));

  const int64_t steps_run = a.steps - resumed_from;
  const double epochs = static_cast<double>(steps_run) * static_cast<double>(S) / static_cast<double>(M);
  nlohmann::json summary;
  summary["model"] = "gp";
  summary["data"] = {{"file", table.source}, {"rows", M}, {"features", D}, {"target", design.target_name},
                     {"standardized", design.standardized}, {"feature_names", design.feature_names},
                     {"target_mean", scaling.target_mean}, {"target_sd", scaling.target_sd}};
  summary["settings"] = {{"kernel", a.kernel}, {"likelihood", a.likelihood}, {"method", a.method},
                         {"optimizer", a.method == "collapsed" ? a.optimizer : "adam"}, {"inducing", T}, {"batch_size", S}, {"steps", a.steps},
                         {"learning_rate", a.learning_rate}, {"natural_step", a.natural_step},
                         {"anneal_fraction", a.anneal_fraction}, {"learn_inducing", !a.fix_inducing},
                         {"inducing_start", T == M ? "all rows" : start}, {"initial_lengthscale", lengthscale}, {"jitter", a.jitter}, {"seed", a.seed},
                         {"student_df", a.student_df}, {"threads", elbo::num_threads()}};
  summary["elbo"] = final_elbo;
  summary["elbo_per_row"] = final_elbo / static_cast<double>(M);
  summary["elbo_trace"] = state.trace;
  summary["hyperparameters"] = gp_hyperparameters_json(model);
  if (lbfgs) {
    summary["lbfgs"] = {{"iterations", lbfgs_outcome.iterations}, {"evaluations", lbfgs_outcome.evaluations},
                        {"converged", lbfgs_outcome.converged}, {"status", lbfgs_outcome.status}};
  }
  summary["resumed"] = resumed_from > 0;
  summary["resumed_from_step"] = resumed_from;
  summary["timings"] = {{"load_seconds", load_seconds}, {"init_seconds", init_seconds},
                        {"fit_seconds", fit_seconds}, {"final_elbo_seconds", elbo_seconds},
                        {"seconds_per_step", steps_run > 0 ? fit_seconds / static_cast<double>(steps_run) : 0.0},
                        {"epochs", epochs},
                        {"seconds_per_epoch", epochs > 0 ? fit_seconds / epochs : 0.0}};
  elbo::io::write_json_file(a.output + "/summary.json", summary);
  if (!a.quiet) {
    fmt::print("data: {} rows × {} features ({}), target {}\n", M, D, table.source, design.target_name);
    fmt::print("SVGP ({} kernel, {} likelihood, {} inducing points, method {}): ELBO {:.6f} ({:.6f} per row), "
               "fit time {:.3f} s\n", a.kernel, a.likelihood, T, a.method, final_elbo,
               final_elbo / static_cast<double>(M), fit_seconds);
    // In the kernel's order; ARD lengthscales on one line.
    std::vector<std::string> names;
    std::vector<double> values;
    model.kernel().param_names("", names);
    model.kernel().constrained_params(values);
    model.likelihood().param_names(names);
    model.likelihood().constrained_params(values);
    for (size_t i = 0; i < names.size() && i < values.size();) {
      const size_t bracket = names[i].rfind("lengthscale[");
      if (bracket == std::string::npos) {
        fmt::print("  {} = {:.6g}\n", names[i], values[i]);
        ++i;
        continue;
      }
      const std::string stem = names[i].substr(0, bracket + 11);
      std::string line;
      for (; i < names.size() && names[i].rfind(stem + "[", 0) == 0; ++i) line += fmt::format(" {:.4g}", values[i]);
      fmt::print("  {} ={}\n", stem, line);
    }
    fmt::print("wrote {}/model.json and {}/summary.json\n", a.output, a.output);
  }
}

}  // namespace

void add_fit_gp_command(CLI::App& fit) {
  auto args = std::make_shared<GpArgs>();
  auto* cmd = fit.add_subcommand("gp", "Sparse variational Gaussian process (inducing points): regression, "
                                       "classification, counts");
  cmd->add_option("--data", args->data, "CSV (header row) or JSON data file (X matrix, y vector)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--target", args->target, "Response column (default: the last column)");
  cmd->add_option("--inducing,-T", args->inducing, "Number of inducing points T (default: min(256, rows))");
  cmd->add_option("--kernel", args->kernel,
                  "Kernel: rbf, matern12, matern32, matern52, linear, periodic, joined by + and * "
                  "(each term has its own scale), e.g. rbf+linear")
      ->capture_default_str();
  cmd->add_option("--likelihood", args->likelihood, "gaussian, bernoulli (probit), bernoulli_logit, poisson or student_t")
      ->check(CLI::IsMember({"gaussian", "bernoulli", "bernoulli_logit", "poisson", "student_t"}))
      ->capture_default_str();
  cmd->add_option("--method", args->method,
                  "natural (natural-gradient steps on q(u), Adam on the hyperparameters), adam (Adam on "
                  "everything) or collapsed (Titsias's bound, full batch, Gaussian likelihood)")
      ->check(CLI::IsMember({"natural", "adam", "collapsed"}))
      ->capture_default_str();
  cmd->add_option("--optimizer", args->optimizer,
                  "For --method collapsed: lbfgs (the bound's own optimum, tens of iterations; --steps bounds "
                  "them) or adam (--steps Adam steps at --learning-rate)")
      ->check(CLI::IsMember({"lbfgs", "adam"}))
      ->each([args](const std::string&) { args->optimizer_set = true; })
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "Rows per step (at least the rows: full batch)")->capture_default_str();
  cmd->add_option("--steps", args->steps, "Optimisation steps")->capture_default_str();
  cmd->add_option("--learning-rate", args->learning_rate, "Adam step size")->capture_default_str();
  cmd->add_option("--natural-step", args->natural_step, "Natural-gradient step size rho in (0, 1]")->capture_default_str();
  cmd->add_option("--anneal-fraction", args->anneal_fraction,
                  "Both step sizes fall linearly to 1% over this last fraction of the steps")
      ->capture_default_str();
  cmd->add_option("--inducing-start", args->inducing_start,
                  "Where the inducing inputs start: kmeans++ (centres of the rows), variance (greedy variance "
                  "selection under the initial kernel: the rows a pivoted Cholesky of K_ff picks) or auto "
                  "(variance for --method collapsed, kmeans++ otherwise)")
      ->check(CLI::IsMember({"auto", "kmeans++", "variance"}))
      ->capture_default_str();
  cmd->add_flag("--fix-inducing", args->fix_inducing, "Keep the inducing inputs where they start");
  cmd->add_option("--lengthscale", args->lengthscale, "Initial lengthscale (default sqrt(features))");
  cmd->add_option("--noise", args->noise,
                  "Initial Gaussian noise variance / Student-t scale (of the standardised target)")
      ->capture_default_str();
  cmd->add_option("--student-df", args->student_df, "Student-t degrees of freedom (fixed)")->capture_default_str();
  cmd->add_option("--jitter", args->jitter, "Jitter added to K_TT's diagonal, relative to its mean (raised x10 "
                                            "up to 1e-2 if K_TT is not positive definite)")
      ->capture_default_str();
  cmd->add_flag("--final-elbo,!--no-final-elbo", args->final_elbo,
                "After the fit, the ELBO on all rows (one pass over the data, no gradients)")
      ->capture_default_str();
  cmd->add_flag("--standardize,!--no-standardize", args->standardize, "Centre and scale features by their sample sd")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed (inducing-point start, minibatches)")->capture_default_str();
  cmd->add_option("--threads", args->threads, "BLAS threads (0: one per core)")->capture_default_str();
  cmd->add_option("--checkpoint", args->checkpoint, "Save the run state to this file (atomically)");
  cmd->add_option("--checkpoint-every", args->checkpoint_every, "Steps between checkpoints (default steps/10)");
  cmd->add_flag("--resume", args->resume, "Continue from --checkpoint if it exists");
  cmd->add_option("--output,-o", args->output, "Directory for model.json and summary.json")->required();
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->callback([args] { run_fit_gp(*args); });
}

}  // namespace elbo_cli
