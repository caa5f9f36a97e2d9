// `elbo fit linear|logistic|poisson`: Bayesian regressions on a CSV or
// CmdStan-style JSON file. Features are standardised by default (the scaling
// is reported, and coefficients are also summarised on the original scale).
// Under mpirun with more than one rank, or with --distributed, the fit runs
// data-parallel (docs/distributed.md): each rank reads its byte range of the CSV,
// the features are standardised with the global means and sds, and ADVI runs on
// a distributed::ShardedLogDensity; rank 0 writes the outputs and checkpoints.
#include <torch/torch.h>

#include <Eigen/Dense>
#include <fmt/format.h>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "advi_cli.hpp"
#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "elbo/diagnostics/summary.hpp"
#include "elbo/distributed/communicator.hpp"
#include "elbo/distributed/mpi_session.hpp"
#include "elbo/distributed/table_shard.hpp"
#include "elbo/distributed_vi/sharded_design.hpp"
#include "elbo/distributed_vi/sharded_log_density.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/progress_bar.hpp"
#include "elbo/model/model_density.hpp"
#include "unreliable_fit.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/models/design_matrix.hpp"
#include "elbo/models/linear_regression.hpp"
#include "elbo/models/logistic_regression.hpp"
#include "elbo/models/poisson_regression.hpp"
#include "fit_methods.hpp"
#include "fit_runner.hpp"
#include "option_validators.hpp"
#include "regression_table.hpp"
#include "run_fingerprint.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

extern const std::string_view default_data_csv;  // generated from data/breast_cancer.csv

namespace {

struct GlmCliOptions {
  std::string data;
  std::string target;
  bool standardize = true;
  double prior_alpha_scale = 5.0;
  double prior_beta_scale = 1.0;
  double prior_sigma_scale = 1.0;
  double known_sigma = 0.0;  // 0: sigma is a latent
  bool distributed = false;  // data-parallel ADVI (automatic under mpirun with > 1 rank)
  FitCliOptions fit;
};

elbo::io::Table load_table(const GlmCliOptions& o, const std::string& command) {
  if (o.data.empty()) {
    if (command != "logistic") {
      throw elbo::ConfigError("fit " + command + ": --data FILE is required (CSV with a header row, or JSON)");
    }
    return elbo::io::parse_csv(default_data_csv, "<built-in breast_cancer.csv>");
  }
  return read_regression_table(o.data);
}

// The response must be one the likelihood can take; named by file, line and column
// (row i of the table is line i + 2: blank lines inside the data are errors).
// `first_row`: the global index of the table's first row (a distributed shard),
// `rank_note` appended to the message there.
void check_targets(const std::string& command, const elbo::io::Table& table,
                   const elbo::models::DesignMatrix& design, int64_t first_row = 0,
                   const std::string& rank_note = "") {
  if (command == "linear") return;
  const auto y = design.y.contiguous();
  const double* v = y.data_ptr<double>();
  for (int64_t i = 0; i < y.numel(); ++i) {
    const bool ok = command == "logistic" ? (v[i] == 0.0 || v[i] == 1.0) : (v[i] >= 0 && v[i] == std::floor(v[i]));
    if (!ok) {
      const bool json = std::filesystem::path(table.source).extension() == ".json";
      throw elbo::InputError(table.source, json ? 0 : first_row + i + 2,
                             json ? fmt::format("{}[{}]", design.target_name, i + 1) : design.target_name,
                             fmt::format("target {} is not {}", v[i],
                                         command == "logistic" ? "0 or 1 (logistic regression's classes)"
                                                               : "a count 0, 1, 2, ... (Poisson regression)") +
                                 rank_note);
    }
  }
}

std::shared_ptr<const elbo::model::Model> make_glm(const std::string& command, const GlmCliOptions& o,
                                                   const elbo::models::DesignMatrix& design) {
  if (command == "linear") {
    auto options = elbo::models::LinearRegressionOptions()
                       .prior_alpha_scale(o.prior_alpha_scale)
                       .prior_beta_scale(o.prior_beta_scale)
                       .prior_sigma_scale(o.prior_sigma_scale);
    if (o.known_sigma > 0) options.known_sigma(o.known_sigma);
    return std::make_shared<elbo::models::LinearRegression>(design.X, design.y, options);
  }
  if (command == "logistic") {
    return std::make_shared<elbo::models::LogisticRegression>(
        design.X, design.y,
        elbo::models::LogisticRegressionOptions().prior_alpha_scale(o.prior_alpha_scale)
            .prior_beta_scale(o.prior_beta_scale));
  }
  return std::make_shared<elbo::models::PoissonRegression>(
      design.X, design.y,
      elbo::models::PoissonRegressionOptions().prior_alpha_scale(o.prior_alpha_scale)
          .prior_beta_scale(o.prior_beta_scale));
}

elbo::models::DesignMatrixOptions design_options(const GlmCliOptions& o) {
  return elbo::models::DesignMatrixOptions()
      .target(o.target.empty() && o.data.empty() ? "malignant_is_0" : o.target)
      .standardize(o.standardize);
}

// What summary.json says about the data and the scaling, and what `elbo predict` needs.
FitContext glm_context(const std::string& command, const std::string& source,
                       const elbo::models::DesignMatrix& design, int64_t rows) {
  FitContext context;
  context.model_label = command;
  context.data_source = source;
  nlohmann::json scaling = nlohmann::json::array();
  for (size_t j = 0; j < design.feature_names.size(); ++j) {
    scaling.push_back({{"column", "beta." + std::to_string(j + 1)},
                       {"feature", design.feature_names[j]},
                       {"mean", design.means[j].item<double>()},
                       {"sd", design.sds[j].item<double>()}});
  }
  context.data_info = {{"file", source},
                       {"rows", rows},
                       {"features", design.X.size(1)},
                       {"target", design.target_name},
                       {"standardized", design.standardized},
                       {"scaling", scaling}};
  const int64_t D = design.X.size(1);
  context.extra_summary = [design, D](const elbo::infer::PosteriorDraws& draws, nlohmann::json& out) {
    if (!design.standardized) return;
    // Columns 0 (alpha) and 1..D (beta) map back through the scaling.
    auto [alpha, beta] = design.to_original_scale(draws.values.select(1, 0),
                                                  draws.values.narrow(1, 1, D));
    auto both = torch::cat({alpha.unsqueeze(1), beta}, 1).contiguous();
    Eigen::MatrixXd m = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        both.data_ptr<double>(), both.size(0), both.size(1));
    std::vector<std::string> names{"alpha"};
    for (int64_t j = 0; j < D; ++j) names.push_back("beta." + std::to_string(j + 1));
    // Weighted as "summary" is: by the PSIS weights when they are usable.
    const bool weighted = elbo::infer::psis_weights_usable(draws);
    Eigen::VectorXd w;
    if (weighted) {
      auto lw = draws.log_weights.exp().contiguous();
      w = Eigen::Map<Eigen::VectorXd>(lw.data_ptr<double>(), lw.numel());
    }
    auto s = weighted ? elbo::diagnostics::summarize(m, names, w) : elbo::diagnostics::summarize(m, names);
    nlohmann::json params = nlohmann::json::object();
    for (const auto& p : s.parameters) {
      params[p.name] = {{"mean", p.mean}, {"sd", p.sd}, {"q5", p.quantiles[0]},
                        {"q50", p.quantiles[1]}, {"q95", p.quantiles[2]}};
    }
    out["summary_original_scale"] = params;
  };
  return context;
}

void write_glm_saved_model(const std::string& command, const GlmCliOptions& o,
                           const elbo::models::DesignMatrix& design) {
  auto values = [](const at::Tensor& t) {
    auto c = t.contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  write_saved_model(o.fit.output, command,
                    {{"target", design.target_name},
                     {"features", design.feature_names},
                     {"standardized", design.standardized},
                     {"means", values(design.means)},
                     {"sds", values(design.sds)},
                     {"sigma", o.known_sigma > 0 ? nlohmann::json(o.known_sigma) : nlohmann::json(nullptr)},
                     {"draws", "draws.csv"}});
}

std::string glm_fingerprint(const std::string& command, const GlmCliOptions& o,
                            const elbo::models::DesignMatrix& design) {
  return run_fingerprint(
      {o.data}, fmt::format("fit {} target={} standardize={} priors={},{},{} sigma={}", command, design.target_name,
                            o.standardize, o.prior_alpha_scale, o.prior_beta_scale, o.prior_sigma_scale, o.known_sigma));
}

// ---- data-parallel ADVI (mpirun -np N, or --distributed) ------------------------
// The options whose runs could differ between ranks (a wall-clock budget) or
// whose methods are not written against a sharded density.
void check_distributed_glm_options(const GlmCliOptions& o, const std::string& where) {
  if (o.fit.method != "advi") {
    throw elbo::ConfigError(where + ": --method " + o.fit.method +
                            " is not distributed; use --method advi (any --family and --objective)");
  }
  if (o.fit.budget > 0) {
    throw elbo::ConfigError(where + ": --budget is not distributed (a time limit would stop the ranks at "
                                    "different steps); use --max-iter");
  }
  if (!o.data.empty() && std::filesystem::path(o.data).extension() == ".json") {
    throw elbo::ConfigError(where + ": --data " + o.data +
                            ": a JSON data file is not sharded; give the data as a CSV with a header row");
  }
}

// This rank's rows: its byte range of --data, or its part of the built-in data.
elbo::distributed::TableShard glm_shard(const GlmCliOptions& o, elbo::distributed::Communicator& comm) {
  if (!o.data.empty()) return elbo::distributed::read_csv_shard(o.data, 1, comm);
  const auto all = elbo::io::parse_csv(default_data_csv, "<built-in breast_cancer.csv>");
  const int64_t n = comm.size(), r = comm.rank();
  const int64_t first = all.rows * r / n, last = all.rows * (r + 1) / n;
  elbo::distributed::TableShard shard;
  shard.table.source = all.source;
  shard.table.columns = all.columns;
  shard.table.rows = last - first;
  shard.table.values.assign(all.values.begin() + first * all.cols(), all.values.begin() + last * all.cols());
  shard.first_row = first;
  shard.total_rows = all.rows;
  return shard;
}

void run_distributed_glm(const std::string& command, const GlmCliOptions& o,
                         elbo::distributed::Communicator& comm) {
  namespace dist = elbo::distributed;
  const std::string where = fmt::format("fit {} (distributed, {})", command, comm.size_label());
  check_distributed_glm_options(o, where);
  const bool root = comm.is_root();
  const auto t_load = std::chrono::steady_clock::now();
  const dist::TableShard shard = glm_shard(o, comm);
  const std::string rank_note = " (" + comm.rank_label() + ")";
  const auto design = dist::sharded_design_matrix(shard.table, design_options(o), comm);
  // A bad target on one rank ends the job (MpiSession aborts it) with this rank's line.
  check_targets(command, shard.table, design, shard.first_row, rank_note);
  const double load_seconds = seconds_since(t_load);
  auto local = std::make_shared<elbo::model::ModelDensity>(make_glm(command, o, design));
  auto density = std::make_shared<dist::ShardedLogDensity>(local, shard.first_row, shard.total_rows, comm);

  FitContext context = glm_context(command, shard.table.source, design, shard.total_rows);
  FitCliOptions fit = o.fit;
  // No rank reads the whole file, so the data are identified by size and rows
  // (the same for any number of ranks), not by a CRC of the contents.
  fit.run_fingerprint = fmt::format(
      "{} bytes={} rows={}; fit {} target={} standardize={} priors={},{},{} sigma={}",
      o.data.empty() ? shard.table.source : o.data,
      o.data.empty() ? 0 : static_cast<int64_t>(std::filesystem::file_size(o.data)), shard.total_rows, command,
      design.target_name, o.standardize, o.prior_alpha_scale, o.prior_beta_scale, o.prior_sigma_scale,
      o.known_sigma);
  fit.threads = dist::threads_per_rank(o.fit.threads);
  fit.write_checkpoint = root;  // rank 0 writes the checkpoints
  if (!root) fit.quiet = true;
  // --resume: rank 0 reads the checkpoint and sends it to the others, which resume
  // from a private copy, so only rank 0 needs to see the file (or its directory).
  std::string resume_copy;
  if (!root && !fit.resume) fit.checkpoint.clear();
  if (fit.resume && comm.size() > 1) {
    std::string bytes;
    double exists = 0;
    if (root && std::filesystem::exists(fit.checkpoint)) {
      bytes = elbo::io::read_text_file(fit.checkpoint);
      exists = 1;
    }
    comm.broadcast(&exists, 1, 0);
    comm.broadcast(bytes, 0);
    if (exists == 0) {
      // One message, rank 0's: the others wait until its abort ends the job.
      if (root) throw elbo::InputError(fit.checkpoint, 0, "", "checkpoint file does not exist");
      comm.barrier();
    }
    if (!root) {
      resume_copy = (std::filesystem::temp_directory_path() /
                     fmt::format("elbo-resume-{}-rank{}.ckpt", ::getpid(), comm.rank()))
                        .string();
      std::ofstream out(resume_copy, std::ios::binary);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        throw elbo::InputError(resume_copy, 0, "", "cannot write this rank's copy of the checkpoint" + rank_note);
      }
      fit.checkpoint = resume_copy;
    }
  }
  struct RemoveCopy {
    std::string path;
    ~RemoveCopy() {
      std::error_code ignored;
      if (!path.empty()) std::filesystem::remove(path, ignored);
    }
  } remove_copy{resume_copy};
  if (root) elbo::io::ensure_directory(fit.output);  // an unwritable --output fails before the fit
  elbo::io::ProgressBar bar(expected_iterations(fit), "advi " + fit.family,
                            root && !fit.quiet && elbo::io::stderr_is_terminal());
  const auto t_fit = std::chrono::steady_clock::now();
  auto outcome = compute_fit(density, fit, context, {}, [&](int64_t iteration, int64_t, double value) {
    bar.update(iteration, std::isnan(value) ? std::string("") : fmt::format("{:.6g}", value));
  });
  bar.finish();
  const double fit_seconds = seconds_since(t_fit);
  const auto c = density->communication();
  const int64_t K = fit.grad_draws, D = density->dim();
  outcome.summary["distributed"] = {
      {"ranks", comm.size()},
      {"threads_per_rank", fit.threads},
      {"rows_per_rank", shard.table.rows},
      {"load_seconds", load_seconds},
      {"fit_seconds", fit_seconds},
      {"allreduce_seconds", c.seconds},
      {"allreduce_share", fit_seconds > 0 ? c.seconds / fit_seconds : 0.0},
      {"allreduces", c.reductions},
      {"bytes_total", c.bytes},
      // A gradient step of K draws: K log p values forward, K × D gradients back.
      {"bytes_per_step", 8 * (K + K * D)},
  };
  if (!root) {
    // The verdict is the same on every rank: end as rank 0 does under --strict.
    if (!outcome.reliability.reliable && fit.strict) {
      throw UnreliableFit("--strict: the fit is not reliable (outputs written to " + fit.output + ")");
    }
    return;
  }
  write_glm_saved_model(command, o, design);
  write_fit(outcome, fit, context);
}

// Reads the data, builds the model and fits it.
void run_glm(const std::string& command, const GlmCliOptions& o) {
  {
    auto comm = elbo::distributed::world_communicator();
    if (o.distributed || comm->size() > 1) {
      run_distributed_glm(command, o, *comm);
      return;
    }
  }
  auto table = load_table(o, command);
  auto design = elbo::models::design_matrix(table, design_options(o));
  check_targets(command, table, design);
  auto model = make_glm(command, o, design);
  FitContext context = glm_context(command, table.source, design, design.X.size(0));
  // What `elbo predict` needs besides draws.csv: the design's columns and scaling.
  write_glm_saved_model(command, o, design);
  FitCliOptions fit = o.fit;
  fit.run_fingerprint = glm_fingerprint(command, o, design);
  run_fit(model, fit, context);
}

void add_glm_command(CLI::App& fit, const std::string& name, const std::string& description) {
  auto options = std::make_shared<GlmCliOptions>();
  auto* cmd = fit.add_subcommand(name, description);
  cmd->add_option("--data", options->data,
                  name == "logistic" ? "CSV (header row) or JSON data; default: the built-in "
                                       "breast-cancer data (569 x 30)"
                                     : "CSV (header row) or JSON data file (X matrix, y vector)");
  cmd->add_option("--target", options->target, "Response column (default: the last column)");
  cmd->add_flag("--standardize,!--no-standardize", options->standardize,
                "Centre and scale features by their sample sd")->capture_default_str();
  cmd->add_option("--prior-alpha-scale", options->prior_alpha_scale, "Intercept prior: alpha ~ N(0, s)")
      ->check(validators::positive_real())->capture_default_str();
  cmd->add_option("--prior-beta-scale", options->prior_beta_scale, "Coefficient prior: beta ~ N(0, s)")
      ->check(validators::positive_real())->capture_default_str();
  if (name == "linear") {
    cmd->add_option("--prior-sigma-scale", options->prior_sigma_scale, "Noise prior: sigma ~ half-N(0, s)")
        ->check(validators::positive_real())->capture_default_str();
    cmd->add_option("--sigma", options->known_sigma, "Known noise sd (no sigma latent)")
        ->check(validators::positive_real());
  }
  cmd->add_flag("--distributed", options->distributed,
                "Data-parallel ADVI (automatic under mpirun with more than one rank); on one process it "
                "takes the same steps as N ranks (docs/distributed.md)");
  add_fit_options(*cmd, options->fit);
  cmd->callback([name, options]() { run_glm(name, *options); });
}

}  // namespace

void add_fit_glm_commands(CLI::App& fit) {
  add_glm_command(fit, "linear", "Bayesian linear regression (Gaussian noise)");
  add_glm_command(fit, "logistic", "Bayesian logistic regression (Bernoulli-logit)");
  add_glm_command(fit, "poisson", "Bayesian Poisson regression (log link)");
}

}  // namespace elbo_cli
