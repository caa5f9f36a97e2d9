// `elbo fit gmm`: Bayesian Gaussian mixture (Dirichlet weights, Normal–Wishart
// components; priors as scikit-learn's BayesianGaussianMixture) on the numeric
// columns of a CSV file, by CAVI or natural-gradient SVI; writes the cluster
// weights, means and covariances to --output/gmm.json. Under `mpirun -np N` (N > 1)
// or with --distributed, each rank reads its byte range of the CSV and the fit runs
// data-parallel (src/elbo/distributed); rank 0 writes the outputs and checkpoints.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "option_validators.hpp"
#include "svi_steps.hpp"
#include "json_matrix.hpp"
#include "next_step.hpp"
#include "saved_model.hpp"
#include "elbo/conjugate/bayes_gmm.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/core/error.hpp"
#include "elbo/distributed/communicator.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/mpi_session.hpp"
#include "elbo/distributed/sharded_gmm.hpp"
#include "elbo/distributed/table_shard.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/progress_bar.hpp"

namespace elbo_cli {

namespace {

namespace conj = elbo::conjugate;
using Clock = std::chrono::steady_clock;

struct GmmArgs {
  std::string data, method = "cavi", output, checkpoint;
  std::vector<std::string> columns, drop;
  int64_t components = 0;
  double weight_concentration_prior = 0, mean_precision_prior = 0, degrees_of_freedom_prior = 0;
  int64_t batch_size = 1000;
  double tau0 = 1.0, kappa = 0.7;
  int threads = 0;
  uint64_t seed = 1;
  int64_t max_iter = 0;
  double passes = 0;
  double tol = 1e-6;
  bool resume = false, adaptive_rate = false, no_progress = false, quiet = false, report = false;
  bool distributed = false;
};

void check_gmm_args(const GmmArgs& a) {

  conj::check_option_at_least("fit gmm", "--components", static_cast<double>(a.components), 1);
  conj::check_option_at_least("fit gmm", "--batch-size", static_cast<double>(a.batch_size), 1);
  conj::check_option_half_open("fit gmm", "--kappa", a.kappa, 0.5, 1.0);
  conj::check_option_nonnegative("fit gmm", "--tau0", a.tau0);
  conj::check_option_nonnegative("fit gmm", "--max-iter", static_cast<double>(a.max_iter));
  conj::check_option_nonnegative("fit gmm", "--tol", a.tol);
  if (a.resume && a.checkpoint.empty()) throw elbo::ConfigError("fit gmm: --resume needs --checkpoint FILE");
  if (!a.checkpoint.empty() && a.method != "svi") {
    throw elbo::ConfigError("fit gmm: --checkpoint is supported for --method svi");
  }
  if (!a.columns.empty() && !a.drop.empty()) {
    throw elbo::ConfigError("fit gmm: give --columns or --drop, not both");
  }
}

// The table's columns to cluster (--columns, or all but --drop), by index.
std::vector<int64_t> gmm_columns(const elbo::io::Table& table, const GmmArgs& a) {
  std::vector<int64_t> cols;
  if (!a.columns.empty()) {
    for (const auto& c : a.columns) cols.push_back(table.column_index(c));
  } else {
    std::vector<int64_t> dropped;
    for (const auto& c : a.drop) dropped.push_back(table.column_index(c));
    for (int64_t j = 0; j < table.cols(); ++j)
      if (std::find(dropped.begin(), dropped.end(), j) == dropped.end()) cols.push_back(j);
  }
  if (cols.empty()) throw elbo::ConfigError("fit gmm: --columns/--drop leave no columns to cluster");
  return cols;
}

Eigen::MatrixXd gmm_matrix(const elbo::io::Table& table, const std::vector<int64_t>& cols) {
  Eigen::MatrixXd X(table.rows, static_cast<Eigen::Index>(cols.size()));
  for (int64_t i = 0; i < table.rows; ++i)
    for (size_t j = 0; j < cols.size(); ++j) X(i, static_cast<Eigen::Index>(j)) = table.at(i, cols[j]);
  return X;
}

// What gmm.json and model.json hold of a fitted mixture.
void add_gmm_posterior(nlohmann::json& summary, const conj::GmmSummary& s) {
  summary["weights"] = std::vector<double>(s.weights.data(), s.weights.data() + s.weights.size());
  summary["means"] = matrix_json(s.means);
  nlohmann::json covs = nlohmann::json::array();
  for (const auto& c : s.covariances) covs.push_back(matrix_json(c));
  summary["covariances"] = covs;
  summary["weight_concentration"] = std::vector<double>(s.alpha.data(), s.alpha.data() + s.alpha.size());
  summary["mean_precision"] = std::vector<double>(s.beta.data(), s.beta.data() + s.beta.size());
  summary["degrees_of_freedom"] = std::vector<double>(s.nu.data(), s.nu.data() + s.nu.size());
}

void print_gmm(const GmmArgs& a, const conj::GmmSummary& s, int64_t rows, const std::vector<std::string>& names,
               double elbo_value, double fit_seconds) {
  fmt::print("data: {} rows × {} columns ({})\n", rows, names.size(), fmt::join(names, ", "));
  fmt::print("ELBO {:.6f}, fit time {:.3f} s\n", elbo_value, fit_seconds);
  for (int64_t k = 0; k < a.components; ++k) {
    std::string mean;
    for (Eigen::Index j = 0; j < s.means.cols(); ++j) mean += fmt::format("{}{:.4g}", j ? " " : "", s.means(k, j));
    fmt::print("component {:>3}: weight {:.4f}  mean [{}]\n", k, s.weights(k), mean);
  }
}

void write_gmm_outputs(const GmmArgs& a, const nlohmann::json& summary, const std::vector<std::string>& names) {
  elbo::io::ensure_directory(a.output);
  elbo::io::write_json_file(a.output + "/gmm.json", summary);
  // What `elbo predict` needs: the columns and q(π) q(μ, Λ) (conjugate/gmm_predict.hpp).
  write_saved_model(a.output, "gmm",
                    {{"columns", names},
                     {"weight_concentration", summary["weight_concentration"]},
                     {"mean_precision", summary["mean_precision"]},
                     {"degrees_of_freedom", summary["degrees_of_freedom"]},
                     {"means", summary["means"]},
                     {"covariances", summary["covariances"]}});
}

// ---- data-parallel CAVI / SVI (mpirun -np N, or --distributed) ----------------
void run_distributed_gmm(const GmmArgs& a, elbo::distributed::Communicator& comm) {
  namespace dist = elbo::distributed;
  const std::string where = "fit gmm (distributed, " + comm.size_label() + ")";
  if (a.adaptive_rate) throw elbo::ConfigError(where + ": --adaptive-rate is not supported by the distributed driver");
  const bool root = comm.is_root();
  const bool quiet = a.quiet || !root;
  const int threads = dist::threads_per_rank(a.threads);
  const auto t_load = Clock::now();
  // BayesGmm needs two rows per rank; every rank reads the CSV's header.
  const dist::TableShard shard = dist::read_csv_shard(a.data, 2, comm);
  const std::vector<int64_t> cols = gmm_columns(shard.table, a);
  std::vector<std::string> names;
  for (int64_t c : cols) names.push_back(shard.table.columns[c]);
  const Eigen::MatrixXd X = gmm_matrix(shard.table, cols);
  const double load_seconds = std::chrono::duration<double>(Clock::now() - t_load).count();
  const dist::ShardLayout layout{shard.first_row, shard.table.rows, shard.total_rows};
  const int64_t M = layout.total;
  const int64_t K = a.components, D = X.cols();

  const auto t0 = Clock::now();
  // The priors of all the rows (data mean, covariance), then a k-means start over the shards.
  const dist::GlobalMoments moments = dist::global_moments(X, comm);
  const auto gmm_opts = conj::BayesGmmOptions()
                            .num_components(K)
                            .weight_concentration_prior(a.weight_concentration_prior)
                            .mean_precision_prior(a.mean_precision_prior)
                            .degrees_of_freedom_prior(a.degrees_of_freedom_prior)
                            .mean_prior(moments.mean)
                            .covariance_prior(moments.covariance)
                            .threads(threads);
  conj::BayesGmm model(X, gmm_opts);
  const int64_t statistics_size = dist::gmm_statistics_size(K, D);
  model.set_global_parameters(model.global_step(
      dist::kmeans_statistics(X, layout, K, gmm_opts.kmeans_iterations_, a.seed, moments.mean, comm), 1.0));

  nlohmann::json summary;
  summary["method"] = a.method;
  summary["data"] = a.data;
  summary["columns"] = names;
  summary["rows"] = M;
  summary["components"] = a.components;
  summary["threads"] = threads;
  summary["seed"] = a.seed;
  nlohmann::json parallel = {{"ranks", comm.size()}, {"threads_per_rank", threads}};
  double elbo_value = 0;
  if (a.method == "cavi") {
    const int64_t iters = a.max_iter > 0 ? a.max_iter : 500;
    elbo::io::ProgressBar bar(iters, "GMM CAVI", !a.no_progress && !quiet);
    const auto r = dist::distributed_cavi(model, statistics_size, comm,
                                          conj::CaviOptions().max_iterations(iters).tolerance(a.tol).callback(
                                              [&](int64_t it, double v) {
                                                bar.update(it, fmt::format("ELBO {:.8g}", v));
                                                return true;
                                              }));
    bar.finish();
    summary["iterations"] = r.iterations;
    summary["converged"] = r.converged;
    summary["elbo_trace"] = r.elbo_trace;
    elbo_value = r.elbo_trace.back();
  } else {
    const int64_t S = std::min<int64_t>(a.batch_size, M);
    const int64_t steps = svi_steps(a.max_iter, a.passes, M, S);
    elbo::io::ProgressBar bar(steps, "GMM SVI", !a.no_progress && !quiet);
    dist::DistributedNaturalSvi svi(model, layout, comm,
                                    dist::DistributedSviOptions()
                                        .batch_size(S)
                                        .tau0(a.tau0)
                                        .kappa(a.kappa)
                                        .max_steps(steps)
                                        .seed(a.seed)
                                        .statistics_size(statistics_size)
                                        .checkpoint(a.checkpoint)
                                        .checkpoint_every(a.checkpoint.empty() ? 0 : std::max<int64_t>(1, steps / 10))
                                        .callback([&](int64_t step, double rho) {
                                          bar.update(step, fmt::format("rho {:.3g}", rho));
                                          return true;
                                        }));
    if (a.resume) {
      // Rank 0 decides (the other ranks may not see its file system).
      double exists = root && std::filesystem::exists(a.checkpoint) ? 1.0 : 0.0;
      comm.broadcast(&exists, 1, 0);
      if (exists != 0) {
        svi.resume(a.checkpoint);
        summary["resumed_from_step"] = svi.steps_taken();
      }
    }
    const auto t_svi = Clock::now();
    svi.run();
    bar.finish();
    summary["steps"] = svi.steps_taken();
    summary["batch_size"] = S;
    add_communication_stats(parallel, svi.communication(),
                            std::chrono::duration<double>(Clock::now() - t_svi).count());
    elbo_value = svi.full_elbo();  // collective
  }
  const double fit_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!root) return;
  const conj::GmmSummary s = model.summary();
  summary["elbo"] = elbo_value;
  summary["fit_seconds"] = fit_seconds;
  summary["load_seconds"] = load_seconds;
  summary["distributed"] = parallel;
  add_gmm_posterior(summary, s);
  if (!quiet) print_gmm(a, s, M, names, elbo_value, fit_seconds);
  if (!a.output.empty()) write_gmm_outputs(a, summary, names);
  finish_fit(a.output, a.report, quiet);
}

// The options that depend on the data, named as typed (the model's own checks
// would name its parameters: num_components, degrees_of_freedom_prior).
void check_gmm_args_against_data(const GmmArgs& a, const Eigen::MatrixXd& X, const std::string& source) {
  if (a.components > X.rows()) {
    throw elbo::ConfigError("--components " + std::to_string(a.components) + ": more components than the " +
                            std::to_string(X.rows()) + " rows of " + source);
  }
  const auto D = static_cast<double>(X.cols());
  if (a.degrees_of_freedom_prior != 0 && !(a.degrees_of_freedom_prior > D - 1)) {
    throw elbo::ConfigError(fmt::format("--degrees-of-freedom-prior {}: must be greater than D - 1 = {} ({} columns)",
                                        a.degrees_of_freedom_prior, D - 1, X.cols()));
  }
}

void run_fit_gmm(const GmmArgs& a) {
  check_gmm_args(a);
  {
    auto comm = elbo::distributed::world_communicator();
    if (a.distributed || comm->size() > 1) {
      run_distributed_gmm(a, *comm);
      return;
    }
  }
  const auto t_load = Clock::now();
  const elbo::io::Table table = elbo::io::read_csv(a.data);
  const std::vector<int64_t> cols = gmm_columns(table, a);
  std::vector<std::string> names;
  for (int64_t c : cols) names.push_back(table.columns[c]);
  const Eigen::MatrixXd X = gmm_matrix(table, cols);
  const double load_seconds = std::chrono::duration<double>(Clock::now() - t_load).count();
  check_gmm_args_against_data(a, X, table.source);

  conj::BayesGmm model(X, conj::BayesGmmOptions()
                              .num_components(a.components)
                              .weight_concentration_prior(a.weight_concentration_prior)
                              .mean_precision_prior(a.mean_precision_prior)
                              .degrees_of_freedom_prior(a.degrees_of_freedom_prior)
                              .threads(a.threads));
  const auto t0 = Clock::now();
  conj::Rng rng(a.seed);
  model.initialize(rng);
  nlohmann::json summary;
  summary["method"] = a.method;
  summary["data"] = a.data;
  summary["columns"] = names;
  summary["rows"] = table.rows;
  summary["components"] = a.components;
  summary["threads"] = conj::resolve_threads(a.threads);
  summary["seed"] = a.seed;
  double elbo_value = 0;
  if (a.method == "cavi") {
    const int64_t iters = a.max_iter > 0 ? a.max_iter : 500;
    elbo::io::ProgressBar bar(iters, "GMM CAVI", !a.no_progress && !a.quiet);
    const auto r = conj::cavi(model, conj::CaviOptions().max_iterations(iters).tolerance(a.tol).callback(
                                         [&](int64_t it, double v) {
                                           bar.update(it, fmt::format("ELBO {:.8g}", v));
                                           return true;
                                         }));
    bar.finish();
    summary["iterations"] = r.iterations;
    summary["converged"] = r.converged;
    summary["elbo_trace"] = r.elbo_trace;
    elbo_value = r.elbo_trace.back();
  } else {
    const int64_t S = std::min<int64_t>(a.batch_size, model.num_data());
    const int64_t steps = svi_steps(a.max_iter, a.passes, model.num_data(), S);
    elbo::io::ProgressBar bar(steps, "GMM SVI", !a.no_progress && !a.quiet);
    conj::NaturalSvi svi(model, conj::NaturalSviOptions()
                                    .batch_size(S)
                                    .tau0(a.tau0)
                                    .kappa(a.kappa)
                                    .max_steps(steps)
                                    .seed(a.seed)
                                    .adaptive_rate(a.adaptive_rate)
                                    .checkpoint(a.checkpoint)
                                    .checkpoint_every(a.checkpoint.empty() ? 0 : std::max<int64_t>(1, steps / 10))
                                    .callback([&](int64_t step, double rho) {
                                      bar.update(step, fmt::format("rho {:.3g}", rho));
                                      return true;
                                    }));
    if (a.resume && std::filesystem::exists(a.checkpoint)) svi.resume(a.checkpoint);
    svi.run();
    bar.finish();
    summary["steps"] = svi.steps_taken();
    summary["batch_size"] = S;
    elbo_value = svi.full_elbo();
  }
  const double fit_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const conj::GmmSummary s = model.summary();
  summary["elbo"] = elbo_value;
  summary["fit_seconds"] = fit_seconds;
  summary["load_seconds"] = load_seconds;
  add_gmm_posterior(summary, s);
  if (!a.quiet) print_gmm(a, s, table.rows, names, elbo_value, fit_seconds);
  if (!a.output.empty()) write_gmm_outputs(a, summary, names);
  finish_fit(a.output, a.report, a.quiet);
}

}  // namespace

void add_fit_gmm_command(CLI::App& fit) {
  auto args = std::make_shared<GmmArgs>();
  auto* cmd = fit.add_subcommand("gmm", "Bayesian Gaussian mixture (variational, Bishop 10.2)");
  cmd->add_option("--data", args->data, "CSV file with a header row")->required()->check(CLI::ExistingFile);
  cmd->add_option("--components,-K", args->components, "Number of components K")->check(validators::positive_integer())->required();
  cmd->add_option("--columns", args->columns, "Columns to cluster (default: all)")->delimiter(',');
  cmd->add_option("--drop", args->drop, "Columns to leave out (e.g. a label column)")->delimiter(',');
  cmd->add_option("--method", args->method, "Inference: cavi or svi")
      ->check(CLI::IsMember({"cavi", "svi"}))
      ->capture_default_str();
  cmd->add_option("--weight-concentration-prior", args->weight_concentration_prior,
                  "Dirichlet concentration alpha0 (default 1/K)")->check(validators::positive_real());
  cmd->add_option("--mean-precision-prior", args->mean_precision_prior, "beta0 (default 1)")->check(validators::positive_real());
  cmd->add_option("--degrees-of-freedom-prior", args->degrees_of_freedom_prior, "nu0 (default D)")->check(validators::positive_real());
  cmd->add_option("--batch-size", args->batch_size, "SVI minibatch size")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--tau0", args->tau0, "SVI step size delay")->check(validators::nonnegative_real())->capture_default_str();
  cmd->add_option("--kappa", args->kappa, "SVI forgetting rate, in (0.5, 1]")->check(validators::real_in(0.5, true, 1.0, false))->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (0: all cores)")->check(validators::thread_count())->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed")->check(validators::seed())->capture_default_str();
  cmd->add_option("--max-iter", args->max_iter, "CAVI iterations (default 500) or SVI steps")->check(validators::nonnegative_integer());
  cmd->add_option("--passes", args->passes, "SVI passes over the data (default 10)")->check(validators::real_in(0, true, 1e5, false));
  cmd->add_option("--tol", args->tol, "CAVI: relative ELBO change to stop")->check(validators::nonnegative_real())->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Directory for gmm.json");
  cmd->add_option("--checkpoint", args->checkpoint, "SVI checkpoint file");
  cmd->add_flag("--resume", args->resume, "Resume SVI from --checkpoint if it exists");
  cmd->add_flag("--adaptive-rate", args->adaptive_rate, "SVI: adaptive learning rate");
  cmd->add_flag("--distributed", args->distributed,
                "Data-parallel CAVI/SVI (automatic under mpirun with more than one rank); on one "
                "process it takes the same steps as N ranks (docs/distributed.md)");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  add_report_flag(*cmd, args->report);
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->callback([args] { run_fit_gmm(*args); });
}

}  // namespace elbo_cli
