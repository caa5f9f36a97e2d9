// `elbo fit hmm`: a Bayesian hidden Markov model (Dirichlet initial and transition
// distributions; Gaussian emissions with a Normal–Wishart prior or categorical
// emissions with a Dirichlet prior) on a long-format CSV — one row per time step,
// an optional sorted sequence-id column — by structured CAVI (forward–backward),
// fully factorised CAVI, or natural-gradient SVI over minibatches of sequences or
// buffered subchains of long ones. Writes DIR/hmm.json (parameters with their
// posterior sds, ELBO trace, timings) and DIR/states.csv (q(z_t) and the Viterbi
// state of every step).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "commands.hpp"
#include "option_validators.hpp"
#include "json_matrix.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/core/error.hpp"
#include "elbo/hmm/bayesian_hmm.hpp"
#include "elbo/hmm/categorical_emission.hpp"
#include "elbo/hmm/gaussian_emission.hpp"
#include "elbo/hmm/sequence_ids.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/progress_bar.hpp"

namespace elbo_cli {

namespace {

namespace conj = elbo::conjugate;
namespace hmm = elbo::hmm;
using HmmClock = std::chrono::steady_clock;

struct HmmArgs {
  std::string data, heldout, emission, method = "cavi", output, sequence_column;
  std::vector<std::string> columns;
  int64_t states = 0, symbols = 0;
  double initial_prior = 1.0, transition_prior = 1.0;
  int64_t batch_size = 0, subchain_length = -1, buffer = 20;
  double tau0 = 1.0, kappa = 0.6, passes = 0;
  int threads = 0;
  uint64_t seed = 1;
  int64_t max_iter = 0, restarts = 1;
  double tol = 1e-7;
  bool no_progress = false, quiet = false;
};

// One data set as the model takes it: observations, sequence offsets, ids.
struct SequenceData {
  hmm::RowMatrix X;
  std::vector<int64_t> starts;
  std::vector<double> ids;  // one per sequence (0, 1, … without --sequence-column)
  std::vector<std::string> columns;
};

SequenceData load_sequences(const std::string& path, const HmmArgs& a) {
  const elbo::io::Table table = elbo::io::read_csv(path);
  SequenceData out;
  int64_t id_col = -1;
  if (!a.sequence_column.empty()) id_col = table.column_index(a.sequence_column);
  std::vector<int64_t> cols;
  if (!a.columns.empty()) {
    for (const auto& c : a.columns) {
      const int64_t j = table.column_index(c);
      if (j == id_col) {
        throw elbo::ConfigError("fit hmm: --columns names the sequence column '" + c + "'");
      }
      cols.push_back(j);
    }
  } else {
    for (int64_t j = 0; j < table.cols(); ++j)
      if (j != id_col) cols.push_back(j);
  }
  if (cols.empty()) throw elbo::ConfigError("fit hmm: " + path + " has no columns besides the sequence column");
  for (int64_t c : cols) out.columns.push_back(table.columns[static_cast<size_t>(c)]);
  if (a.emission == "categorical" && cols.size() != 1) {
    throw elbo::ConfigError(fmt::format(
        "fit hmm: --emission categorical takes one column of symbols; {} has {} ({}): give --columns NAME", path,
        cols.size(), fmt::join(out.columns, ", ")));
  }
  out.X.resize(table.rows, static_cast<Eigen::Index>(cols.size()));
  for (int64_t i = 0; i < table.rows; ++i)
    for (size_t j = 0; j < cols.size(); ++j) out.X(i, static_cast<Eigen::Index>(j)) = table.at(i, cols[j]);
  if (a.emission == "categorical") {
    for (int64_t i = 0; i < table.rows; ++i) {
      const double v = out.X(i, 0);
      if (!(v >= 0) || v != std::floor(v)) {
        throw elbo::InputError(path, static_cast<long>(i) + 2, out.columns[0],
                               fmt::format("symbol {} is not an integer 0, 1, 2, …", v));
      }
      if (a.symbols > 0 && v >= static_cast<double>(a.symbols)) {
        throw elbo::InputError(path, static_cast<long>(i) + 2, out.columns[0],
                               fmt::format("symbol {} is not below --symbols {}", v, a.symbols));
      }
    }
  }
  if (id_col >= 0) {
    const std::vector<double> ids = table.column(id_col);
    out.starts = hmm::sequence_starts_from_ids(ids, path, a.sequence_column);
    for (size_t s = 0; s + 1 < out.starts.size(); ++s) out.ids.push_back(ids[static_cast<size_t>(out.starts[s])]);
  } else {
    out.starts = {0, table.rows};
    out.ids = {0.0};
  }
  return out;
}

void write_states_csv(const std::string& path, const SequenceData& d, const hmm::RowMatrix& marginals,
                      const std::vector<int32_t>& viterbi) {
  elbo::io::AtomicFile file(path);
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "sequence,step");
  for (Eigen::Index k = 0; k < marginals.cols(); ++k) fmt::format_to(std::back_inserter(buf), ",p{}", k);
  fmt::format_to(std::back_inserter(buf), ",viterbi\n");
  for (size_t s = 0; s + 1 < d.starts.size(); ++s) {
    for (int64_t t = d.starts[s]; t < d.starts[s + 1]; ++t) {
      fmt::format_to(std::back_inserter(buf), "{},{}", d.ids[s], t - d.starts[s]);
      for (Eigen::Index k = 0; k < marginals.cols(); ++k) fmt::format_to(std::back_inserter(buf), ",{:.6g}", marginals(t, k));
      fmt::format_to(std::back_inserter(buf), ",{}\n", viterbi[static_cast<size_t>(t)]);
      if (buf.size() > (1 << 20)) {
        file.write(std::string_view(buf.data(), buf.size()));
        buf.clear();
      }
    }
  }
  file.write(std::string_view(buf.data(), buf.size()));
  file.commit();
}

void run_fit_hmm(const HmmArgs& a) {
  conj::check_option_at_least("fit hmm", "--states", static_cast<double>(a.states), 1);
  conj::check_option_positive("fit hmm", "--initial-prior", a.initial_prior);
  conj::check_option_positive("fit hmm", "--transition-prior", a.transition_prior);
  conj::check_option_nonnegative("fit hmm", "--max-iter", static_cast<double>(a.max_iter));
  conj::check_option_nonnegative("fit hmm", "--tol", a.tol);
  conj::check_option_at_least("fit hmm", "--restarts", static_cast<double>(a.restarts), 1);
  conj::check_option_nonnegative("fit hmm", "--batch-size", static_cast<double>(a.batch_size));
  conj::check_option_nonnegative("fit hmm", "--buffer", static_cast<double>(a.buffer));
  conj::check_option_nonnegative("fit hmm", "--tau0", a.tau0);
  conj::check_option_nonnegative("fit hmm", "--passes", a.passes);
  conj::check_option_half_open("fit hmm", "--kappa", a.kappa, 0.5, 1.0);
  if (a.subchain_length != -1) conj::check_option_at_least("fit hmm", "--subchain-length", static_cast<double>(a.subchain_length), 0);
  if (a.symbols != 0) conj::check_option_at_least("fit hmm", "--symbols", static_cast<double>(a.symbols), 1);
  if (a.method == "svi" && a.restarts > 1) throw elbo::ConfigError("fit hmm: --restarts is an option of --method cavi and meanfield");
  if (a.method != "svi" && (a.batch_size > 0 || a.subchain_length >= 0)) {
    throw elbo::ConfigError("fit hmm: --batch-size and --subchain-length are options of --method svi");
  }

  const auto t_load = HmmClock::now();
  const SequenceData data = load_sequences(a.data, a);
  SequenceData heldout;
  if (!a.heldout.empty()) heldout = load_sequences(a.heldout, a);
  const double load_seconds = std::chrono::duration<double>(HmmClock::now() - t_load).count();
  const int64_t T = data.X.rows();
  const int64_t num_sequences = static_cast<int64_t>(data.starts.size()) - 1;

  // SVI units: whole sequences when there are enough of them, else subchains.
  int64_t subchain = 0;
  if (a.method == "svi") {
    subchain = a.subchain_length >= 0 ? a.subchain_length
                                      : (num_sequences >= 10 ? 0 : std::clamp<int64_t>(T / 100, 50, 1000));
  }
  hmm::BayesianHmmOptions options;
  options.initial_concentration(a.initial_prior)
      .transition_concentration(a.transition_prior)
      .local_factors(a.method == "meanfield" ? hmm::LocalFactors::mean_field : hmm::LocalFactors::structured)
      .subchain_length(subchain)
      .buffer_length(a.buffer)
      .threads(a.threads);
  std::unique_ptr<hmm::Emission> emission;
  if (a.emission == "gaussian") {
    emission = std::make_unique<hmm::GaussianEmission>(
        data.X, hmm::GaussianEmissionOptions().num_states(a.states).threads(a.threads));
  } else {
    int64_t symbols = a.symbols;
    if (symbols == 0) {
      symbols = static_cast<int64_t>(data.X.maxCoeff()) + 1;
      if (heldout.X.size() > 0) symbols = std::max(symbols, static_cast<int64_t>(heldout.X.maxCoeff()) + 1);
    }
    emission = std::make_unique<hmm::CategoricalEmission>(
        hmm::CategoricalEmissionOptions().num_states(a.states).num_symbols(symbols));
  }
  hmm::BayesianHmm model(data.X, data.starts, std::move(emission), options);
  if (!a.heldout.empty()) model.set_heldout(heldout.X, heldout.starts);

  nlohmann::json summary;
  summary["model"] = "hmm";
  summary["method"] = a.method;
  summary["local_factors"] = a.method == "meanfield" ? "factorised" : "structured";
  summary["data"] = a.data;
  summary["columns"] = data.columns;
  summary["sequence_column"] = a.sequence_column;
  summary["rows"] = T;
  summary["sequences"] = num_sequences;
  summary["states"] = a.states;
  summary["emission"] = a.emission;
  summary["seed"] = a.seed;
  summary["threads"] = conj::resolve_threads(a.threads);

  const auto t0 = HmmClock::now();
  conj::Rng rng(a.seed);
  model.initialize(rng);
  summary["initialization_seconds"] = std::chrono::duration<double>(HmmClock::now() - t0).count();
  double elbo_value = 0;
  const bool progress = !a.no_progress && !a.quiet;
  if (a.method == "cavi" || a.method == "meanfield") {
    const int64_t iters = a.max_iter > 0 ? a.max_iter : 1000;
    // --restarts: CAVI from `restarts` initialisations (seeds seed, seed + 1, …), the
    // highest ELBO kept — an HMM's ELBO has local optima, categorical ones most.
    nlohmann::json restart_elbos = nlohmann::json::array();
    Eigen::VectorXd best_lambda;
    double best = -INFINITY;
    for (int64_t restart = 0; restart < a.restarts; ++restart) {
      if (restart > 0) {
        conj::Rng restart_rng(a.seed + static_cast<uint64_t>(restart));
        model.initialize(restart_rng);
      }
      elbo::io::ProgressBar bar(iters, a.method == "cavi" ? "HMM CAVI" : "HMM mean-field", progress);
      std::vector<double> iteration_seconds;  // since the fit's start, after each iteration
      const auto r = conj::cavi(model, conj::CaviOptions().max_iterations(iters).tolerance(a.tol).callback(
                                           [&](int64_t it, double v) {
                                             iteration_seconds.push_back(
                                                 std::chrono::duration<double>(HmmClock::now() - t0).count());
                                             bar.update(it, fmt::format("ELBO {:.8g}", v));
                                             return true;
                                           }));
      bar.finish();
      restart_elbos.push_back(r.elbo_trace.back());
      if (r.elbo_trace.back() > best) {
        best = r.elbo_trace.back();
        best_lambda = model.global_parameters();
        summary["iteration_seconds"] = iteration_seconds;
        summary["iterations"] = r.iterations;
        summary["converged"] = r.converged;
        summary["elbo_trace"] = r.elbo_trace;
        summary["best_restart"] = restart;
      }
    }
    summary["restart_elbos"] = restart_elbos;
    summary["tol"] = a.tol;
    model.set_global_parameters(best_lambda);
    elbo_value = model.exact_elbo();  // q(z) at the final λ, for the outputs
  } else {
    const int64_t M = model.num_data();
    const int64_t unit_steps = subchain > 0 ? subchain : std::max<int64_t>(1, T / M);
    // Default minibatch: about 10⁴ steps (at least one unit, at most all of them).
    const int64_t S = std::clamp<int64_t>(a.batch_size > 0 ? a.batch_size : 10'000 / unit_steps, 1, M);
    const double passes = a.passes > 0 ? a.passes : 10.0;
    const int64_t steps = a.max_iter > 0 ? a.max_iter
                                         : std::max<int64_t>(1, static_cast<int64_t>(std::ceil(passes * M / S)));
    elbo::io::ProgressBar bar(steps, "HMM SVI", progress);
    conj::NaturalSvi svi(model, conj::NaturalSviOptions()
                                    .batch_size(S)
                                    .tau0(a.tau0)
                                    .kappa(a.kappa)
                                    .max_steps(steps)
                                    .seed(a.seed)
                                    .elbo_every(std::max<int64_t>(1, steps / 5))  // each a full pass
                                    .callback([&](int64_t step, double rho) {
                                      bar.update(step, fmt::format("rho {:.3g}", rho));
                                      return true;
                                    }));
    const auto r = svi.run();
    bar.finish();
    nlohmann::json trace = nlohmann::json::array();
    for (const auto& [step, value] : r.elbo_trace) trace.push_back({{"step", step}, {"elbo", value}});
    summary["steps"] = svi.steps_taken();
    summary["batch_size"] = S;
    summary["units"] = M;
    summary["subchain_length"] = subchain;
    summary["buffer"] = a.buffer;
    summary["tau0"] = a.tau0;
    summary["kappa"] = a.kappa;
    summary["elbo_trace"] = trace;
    elbo_value = model.exact_elbo();
  }
  const double fit_seconds = std::chrono::duration<double>(HmmClock::now() - t0).count();
  const std::vector<int32_t> path = model.viterbi_path();
  summary["elbo"] = elbo_value;
  summary["fit_seconds"] = fit_seconds;
  summary["load_seconds"] = load_seconds;
  summary["log_likelihood"] = model.log_likelihood(data.X, data.starts);
  if (auto score = model.heldout_score()) {
    summary["heldout"] = a.heldout;
    summary["heldout_log_likelihood_per_step"] = *score;
  }
  summary["parameters"] = model.parameters_json();

  if (!a.quiet) {
    const hmm::HmmParameters p = model.parameters();
    fmt::print("data: {} steps in {} sequence{} × {} column{} ({})\n", T, num_sequences, num_sequences == 1 ? "" : "s",
               data.columns.size(), data.columns.size() == 1 ? "" : "s", fmt::join(data.columns, ", "));
    fmt::print("ELBO {:.6f}, fit time {:.3f} s\n", elbo_value, fit_seconds);
    fmt::print("transition matrix E[A] (± posterior sd):\n");
    for (int64_t i = 0; i < a.states; ++i) {
      std::string row;
      for (int64_t j = 0; j < a.states; ++j) {
        row += fmt::format("  {:.4f} ± {:.4f}", p.transition_mean(i, j), p.transition_sd(i, j));
      }
      fmt::print("  state {:>2}:{}\n", i, row);
    }
    if (a.emission == "gaussian") {
      const auto& means = p.emission["means"];
      for (int64_t k = 0; k < a.states; ++k) {
        std::string mean;
        for (const auto& v : means[static_cast<size_t>(k)]) mean += fmt::format("{}{:.4g}", mean.empty() ? "" : " ", v.get<double>());
        fmt::print("  state {:>2} mean [{}]\n", k, mean);
      }
    }
  }
  if (!a.output.empty()) {
    elbo::io::ensure_directory(a.output);
    elbo::io::write_json_file(a.output + "/hmm.json", summary);
    write_states_csv(a.output + "/states.csv", data, model.marginals(), path);
    if (!a.quiet) fmt::print("wrote {}/hmm.json and {}/states.csv\n", a.output, a.output);
  }
}

}  // namespace

void add_fit_hmm_command(CLI::App& fit) {
  auto args = std::make_shared<HmmArgs>();
  auto* cmd = fit.add_subcommand("hmm", "Bayesian hidden Markov model (structured VI, forward-backward)");
  cmd->add_option("--data", args->data, "CSV file, one row per time step, with a header row")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--states,-K", args->states, "Number of hidden states K")->check(validators::positive_integer())->required();
  cmd->add_option("--emission", args->emission, "Emission model: gaussian (Normal-Wishart prior) or categorical")
      ->required()
      ->check(CLI::IsMember({"gaussian", "categorical"}));
  cmd->add_option("--columns", args->columns, "Observation columns (default: all but the sequence column)")
      ->delimiter(',');
  cmd->add_option("--sequence-column", args->sequence_column,
                  "Column of sequence ids (sorted; each sequence's rows together, in time order)");
  cmd->add_option("--method", args->method,
                  "cavi (structured q, forward-backward), meanfield (fully factorised q) or svi")
      ->check(CLI::IsMember({"cavi", "svi", "meanfield"}))
      ->capture_default_str();
  cmd->add_option("--heldout", args->heldout, "CSV of held-out sequences (same columns) to score")
      ->check(CLI::ExistingFile);
  cmd->add_option("--symbols", args->symbols, "Categorical: number of symbols V (default: largest + 1)")->check(validators::positive_integer());
  cmd->add_option("--initial-prior", args->initial_prior, "Dirichlet concentration of the initial distribution")->check(validators::positive_real())
      ->capture_default_str();
  cmd->add_option("--transition-prior", args->transition_prior, "Dirichlet concentration of each transition row")->check(validators::positive_real())
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "SVI: units (sequences or subchains) per step (default ~10^4 steps)")->check(validators::nonnegative_integer());
  cmd->add_option("--subchain-length", args->subchain_length,
                  "SVI: split sequences into subchains of this many steps (0: whole sequences; default: whole "
                  "sequences when there are at least 10, else T/100 clamped to [50, 1000])");
  cmd->add_option("--buffer", args->buffer, "SVI: extra steps on each side of a subchain")->check(validators::nonnegative_integer())->capture_default_str();
  cmd->add_option("--tau0", args->tau0, "SVI step size delay")->check(validators::nonnegative_real())->capture_default_str();
  cmd->add_option("--kappa", args->kappa, "SVI forgetting rate, in (0.5, 1]")->check(validators::real_in(0.5, true, 1.0, false))->capture_default_str();
  cmd->add_option("--passes", args->passes, "SVI passes over the data (default 10)")->check(validators::real_in(0, true, 1e5, false));
  cmd->add_option("--threads", args->threads, "Worker threads over sequences (0: all cores)")->check(validators::thread_count())->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed (initialisation, minibatches)")->check(validators::seed())->capture_default_str();
  cmd->add_option("--max-iter", args->max_iter, "CAVI iterations (default 1000) or SVI steps")->check(validators::nonnegative_integer());
  cmd->add_option("--tol", args->tol, "CAVI: relative ELBO change to stop")->check(validators::nonnegative_real())->capture_default_str();
  cmd->add_option("--restarts", args->restarts, "CAVI from this many initialisations (seeds seed, seed+1, ...); the best ELBO is kept")->check(validators::positive_integer())
      ->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Directory for hmm.json and states.csv");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->callback([args] { run_fit_hmm(*args); });
}

}  // namespace elbo_cli
