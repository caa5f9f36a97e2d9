#include "advi_cli.hpp"
#include "next_step.hpp"
#include "memory_budget.hpp"
#include "option_validators.hpp"

#include <cmath>
#include <filesystem>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo_cli {

void add_fit_options(CLI::App& c, FitCliOptions& o, bool init_may_be_file) {
  c.add_option("--method", o.method,
               "Inference method: advi (SVI on --family with --objective), auto (advi, then a "
               "ladder of methods until one is reliable; see --budget), laplace, pathfinder "
               "(--num-paths), boosting (mixture grown by --components), svgd (--particles), "
               "constant_sgd")
      ->check(CLI::IsMember({"auto", "advi", "laplace", "pathfinder", "boosting", "svgd", "constant_sgd"}))
      ->capture_default_str();
  c.add_flag("--mode-check,!--no-mode-check", o.mode_check,
             "Part of the reliable verdict: L-BFGS from 8 random starts; a mode outside q as high as "
             "q's draws makes the fit unreliable")
      ->capture_default_str();
  c.add_option("--num-paths", o.num_paths, "Pathfinder: L-BFGS paths (each its own random start)")
      ->check(validators::positive_integer())->capture_default_str();
  c.add_option("--budget", o.budget,
               "Wall-clock seconds (0: no limit): for --method auto the whole ladder, for advi the "
               "SVI run (it then stops unconverged)")
      ->check(validators::nonnegative_real())->capture_default_str();
  c.add_option("--family", o.family,
               "Variational family: meanfield, fullrank, lowrank[:R], pointmass (MAP), "
               "flow:<layer>[*N][+...] (planar, radial, realnvp, iaf; e.g. flow:iaf*4), "
               "mixture:C[:diag], copula, hierarchical")
      ->capture_default_str();
  c.add_option("--objective", o.objective,
               "ADVI's bound: elbo, renyi:ALPHA, vrmax, iwae:K, chi[:N], annealed:STEPS; or a "
               "score-function estimator: reinforce[+baseline|+cv][+rb][+odis:TAU], gumbel:TEMP[+st]")
      ->capture_default_str();
  c.add_option("--components", o.components, "Mixture components boosting grows")->check(validators::positive_integer())->capture_default_str();
  c.add_option("--particles", o.particles, "SVGD particles")->check(validators::positive_integer())->capture_default_str();
  c.add_option("--kernel", o.kernel, "SVGD kernel: rbf or imq (median bandwidth)")
      ->check(CLI::IsMember({"rbf", "imq"}))->capture_default_str();
  c.add_flag("--precondition", o.precondition,
             "constant_sgd: precondition by the inverse gradient-noise covariance (Mandt et al. Thm 2)");
  c.add_option("--grad-draws", o.grad_draws, "Monte-Carlo draws per gradient (Stan's grad_samples)")
      ->check(validators::positive_integer())->capture_default_str();
  c.add_flag("--stl,!--no-stl", o.stick_the_landing,
             "Path-derivative ('sticking the landing') gradient: lower variance near the optimum")
      ->capture_default_str();
  c.add_option("--optimizer", o.optimizer, "adam, adagrad, rmsprop, sgd, or stan (Stan's adaptive sequence)")
      ->capture_default_str();
  c.add_option("--eta", o.eta,
               "Base step size (default: 0.03, 0.01 for realnvp flows and hierarchical, or 0.005 after a "
               "Laplace start, which is already near the optimum; 1 for --optimizer stan)")
      ->check(validators::positive_real());
  c.add_option("--schedule", o.schedule, "Step-size schedule for torch optimizers: constant, robbins_monro")
      ->capture_default_str();
  c.add_option("--tau", o.tau, "Robbins-Monro delay: rho_t = eta (1 + t/tau)^-kappa")->check(validators::positive_real())->capture_default_str();
  c.add_option("--kappa", o.kappa, "Robbins-Monro exponent in (0.5, 1]")->check(validators::real_in(0.5, true, 1.0, false))->capture_default_str();
  c.add_flag("--adapt", o.adapt, "Search eta as Stan does (with --optimizer stan)");
  c.add_option("--max-iter", o.max_iterations,
               "Maximum iterations (0: 10000; svgd runs 2000 steps)")
      ->check(validators::nonnegative_integer())->capture_default_str();
  c.add_option("--eval-every", o.eval_every, "Iterations between ELBO evaluations (Stan's eval_elbo)")
      ->check(validators::positive_integer())->capture_default_str();
  c.add_option("--eval-draws", o.eval_draws, "Draws per ELBO evaluation (Stan's elbo_samples)")
      ->check(validators::positive_integer())->capture_default_str();
  c.add_option("--tol-rel-obj", o.tol_rel_obj, "Stop when the relative ELBO change (window mean or median) is below this")
      ->check(validators::positive_real())->capture_default_str();
  c.add_flag("--common-eval-draws,!--fresh-eval-draws", o.common_eval_draws,
             "Evaluate the ELBO on the same base draws each time (Stan draws afresh)")
      ->capture_default_str();
  c.add_option("--window", o.window, "Convergence window in evaluations (0: Stan's rule)")->check(validators::nonnegative_integer())->capture_default_str();
  c.add_option("--batch-size", o.batch_size, "Minibatch size (0: all data)")->check(validators::nonnegative_integer())->capture_default_str();
  c.add_flag("--average,!--no-average", o.average, "Average the iterates over a tail window")
      ->capture_default_str();
  auto* init = c.add_option("--init", o.init,
               std::string("Start of q: auto (laplace up to 500 parameters, else zero), zero, random "
               "(mean uniform(-2, 2), Stan's default) or laplace (the Laplace approximation, for "
               "meanfield, fullrank and flow families; zero when it fails)") +
               (init_may_be_file ? "; or a JSON file of constrained parameter values (where L-BFGS "
                                   "and q start)" : ""));
  init->capture_default_str();
  if (init_may_be_file) {
    init->check(CLI::IsMember({"auto", "zero", "random", "laplace"}) | CLI::ExistingFile);
  } else {
    init->check(CLI::IsMember({"auto", "zero", "random", "laplace"}));
  }
  c.add_option("--draws", o.draws, "Posterior draws to write (Stan's output_samples)")->check(validators::positive_integer())->capture_default_str();
  c.add_option("--resample", o.resample,
               "Importance-resample the draws with PSIS weights: auto (when k-hat < 0.7), always, never, "
               "or force; auto and always keep q's draws (and mark the fit unreliable) when the importance "
               "ESS is below max(10, 1% of the draws), force resamples anyway")
      ->check(CLI::IsMember({"auto", "always", "never", "force"}))->capture_default_str();
  c.add_option("--resample-pool", o.resample_pool,
               "When resampling, draw this many times --draws from q and resample --draws of them")
      ->check(validators::positive_integer())->capture_default_str();
  c.add_option("--seed", o.seed, "Random seed")->check(validators::seed())->capture_default_str();
  c.add_option("--threads", o.threads, "Threads for the BLAS (0: one per core)")
      ->check(validators::thread_count())->capture_default_str();
  c.add_option("--output,-o", o.output, "Output directory (draws.csv, summary.json)")->capture_default_str();
  c.add_option("--checkpoint", o.checkpoint, "Save the run state to this file periodically");
  c.add_option("--checkpoint-every", o.checkpoint_every, "Iterations between checkpoints")->check(validators::positive_integer())->capture_default_str();
  c.add_flag("--resume", o.resume, "Continue the run saved in --checkpoint");
  c.add_flag("--quiet,-q", o.quiet, "No progress bar or summary table");
  add_report_flag(c, o.report);
  c.add_flag("--strict", o.strict,
             "Exit with code 3 when the fit is not reliable (summary.json's \"reliable\": false; "
             "draws.csv and summary.json are still written)");
  c.add_option("--sig-figs", o.sig_figs, "Significant figures in draws.csv (1-18)")
      ->check(CLI::Range(1, 18))->capture_default_str();
  add_max_memory_option(c, o.max_memory);
}

elbo::infer::AdviOptions to_advi_options(const FitCliOptions& o) {
  using elbo::ConfigError;
  elbo::check_option_positive("fit", "--grad-draws", static_cast<double>(o.grad_draws));
  if (o.max_iterations < 0) throw ConfigError("--max-iter is negative; it must be >= 0");
  elbo::check_option_positive("fit", "--draws", static_cast<double>(o.draws));
  if (o.resume && o.checkpoint.empty()) throw ConfigError("--resume needs --checkpoint FILE");
  if (!o.checkpoint.empty()) {
    const auto dir = std::filesystem::path(o.checkpoint).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir)) {
      throw ConfigError("--checkpoint " + o.checkpoint + ": directory " + dir.string() + " does not exist");
    }
  }
  if (o.adapt && o.optimizer != "stan") throw ConfigError("--adapt needs --optimizer stan");
  elbo::infer::AdviOptions a;
  a.family = o.family;
  a.objective = o.objective;
  a.grad_draws = o.grad_draws;
  a.stick_the_landing = o.stick_the_landing;
  a.optimizer.method = o.optimizer;
  const bool auto_eta = std::isnan(o.eta);
  if (!auto_eta) elbo::check_option_positive("fit", "--eta", o.eta);
  // NaN: advi takes the family's default step (Family::default_step_size).
  a.optimizer.eta = auto_eta ? (o.optimizer == "stan" ? 1.0 : std::nan("")) : o.eta;
  if (!(auto_eta && o.optimizer != "stan")) a.laplace_eta = a.optimizer.eta;
  a.optimizer.schedule = o.schedule;
  a.optimizer.tau = o.tau;
  a.optimizer.kappa = o.kappa;
  a.adapt_eta = o.adapt;
  a.init = o.init;
  if (o.max_iterations > 0) a.svi.max_iterations = o.max_iterations;
  a.svi.max_seconds = o.budget;
  a.svi.eval_every = o.eval_every;
  a.svi.eval_draws = o.eval_draws;
  a.svi.tol_rel_obj = o.tol_rel_obj;
  a.svi.window = o.window;
  a.svi.common_eval_draws = o.common_eval_draws;
  a.svi.batch_size = o.batch_size;
  a.svi.average_iterates = o.average;
  a.svi.seed = o.seed;
  a.svi.checkpoint_path = o.checkpoint;
  a.svi.checkpoint_every = o.checkpoint_every;
  a.svi.write_checkpoints = o.write_checkpoint;
  a.svi.run_fingerprint = o.run_fingerprint;
  return a;
}

}  // namespace elbo_cli
