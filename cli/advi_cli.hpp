#pragma once
// The options every `elbo fit <model>` command shares: the inference method
// (cli/fit_methods.hpp),
// family, optimizer, stopping rule, output and checkpointing. Defaults favour
// accuracy (several draws per gradient, a decaying Adam step, tail averaging,
// a tight relative tolerance); `--optimizer stan --adapt --grad-draws 1
// --tol-rel-obj 0.01 --no-average` reproduces Stan's ADVI settings.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "elbo/infer/advi.hpp"

namespace elbo_cli {

// The ADVI defaults are the library's (AdviOptions{}), so `elbo fit` with no
// options and the README's C++ snippet give the same fit.
inline const elbo::infer::AdviOptions kAdviDefaults{};

struct FitCliOptions {
  std::string method = "advi";       // advi | laplace | boosting | svgd | constant_sgd
  std::string family = kAdviDefaults.family;
  std::string objective = kAdviDefaults.objective;  // advi's bound or gradient estimator
  int64_t components = 3;            // boosting
  int64_t particles = 100;           // svgd
  int64_t num_paths = 4;             // pathfinder
  bool mode_check = true;            // random-start L-BFGS for modes q misses (the verdict)
  double budget = 0;                 // auto: seconds for the whole ladder (0: none)
  std::string kernel = "rbf";        // svgd: rbf | imq
  bool precondition = false;         // constant_sgd
  int64_t grad_draws = kAdviDefaults.grad_draws;
  bool stick_the_landing = kAdviDefaults.stick_the_landing;
  std::string optimizer = kAdviDefaults.optimizer.method;
  double eta = std::numeric_limits<double>::quiet_NaN();  // auto: 0.03, 0.005 after a Laplace start
  std::string schedule = kAdviDefaults.optimizer.schedule;
  double tau = kAdviDefaults.optimizer.tau;
  double kappa = kAdviDefaults.optimizer.kappa;
  bool adapt = false;
  int64_t max_iterations = 0;  // 0: the method's default (10000; svgd 2000)
  int64_t eval_every = kAdviDefaults.svi.eval_every;
  int64_t eval_draws = kAdviDefaults.svi.eval_draws;
  double tol_rel_obj = kAdviDefaults.svi.tol_rel_obj;
  bool common_eval_draws = kAdviDefaults.svi.common_eval_draws;
  int64_t window = kAdviDefaults.svi.window;
  int64_t batch_size = kAdviDefaults.svi.batch_size;
  bool average = kAdviDefaults.svi.average_iterates;
  std::string init = kAdviDefaults.init;
  int64_t draws = 1000;
  std::string resample = "never";  // auto | always | never
  int64_t resample_pool = 10;      // draws of q per output draw when resampling
  uint64_t seed = kAdviDefaults.svi.seed;
  int threads = 0;  // 0: LibTorch's default
  std::string output = "elbo_output";
  std::string checkpoint;
  int64_t checkpoint_every = 1000;
  bool resume = false;
  bool write_checkpoint = true;  // false on the ranks other than 0 of a distributed fit (read only)
  bool quiet = false;
  bool report = false;  // also write DIR/report.html
  bool strict = false;  // an unreliable fit exits with code 3 (after writing its outputs)
  int sig_figs = 6;
  double max_memory = 0;  // bytes a fit may need (0: default_memory_budget())
  std::string run_fingerprint;  // data and model options, checked on --resume (set by the command)
};

/// Registers the shared options on a `fit <model>` subcommand; with
/// `init_may_be_file`, --init also takes a JSON file of parameter values.
void add_fit_options(CLI::App& command, FitCliOptions& options, bool init_may_be_file = false);

/// Validates and converts to the library's options (throws elbo::ConfigError).
elbo::infer::AdviOptions to_advi_options(const FitCliOptions& options);

}  // namespace elbo_cli
