// `elbo fit linear|logistic|poisson`: Bayesian regressions on a CSV or
// CmdStan-style JSON file. Features are standardised by default (the scaling
// is reported, and coefficients are also summarised on the original scale).
#include <torch/torch.h>

#include <Eigen/Dense>
#include <fmt/format.h>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "advi_cli.hpp"
#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "elbo/diagnostics/summary.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/models/design_matrix.hpp"
#include "elbo/models/linear_regression.hpp"
#include "elbo/models/logistic_regression.hpp"
#include "elbo/models/poisson_regression.hpp"
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
void check_targets(const std::string& command, const elbo::io::Table& table,
                   const elbo::models::DesignMatrix& design) {
  if (command == "linear") return;
  const auto y = design.y.contiguous();
  const double* v = y.data_ptr<double>();
  for (int64_t i = 0; i < y.numel(); ++i) {
    const bool ok = command == "logistic" ? (v[i] == 0.0 || v[i] == 1.0) : (v[i] >= 0 && v[i] == std::floor(v[i]));
    if (!ok) {
      const bool json = std::filesystem::path(table.source).extension() == ".json";
      throw elbo::InputError(table.source, json ? 0 : i + 2,
                             json ? fmt::format("{}[{}]", design.target_name, i + 1) : design.target_name,
                             fmt::format("target {} is not {}", v[i],
                                         command == "logistic" ? "0 or 1 (logistic regression's classes)"
                                                               : "a count 0, 1, 2, ... (Poisson regression)"));
    }
  }
}

// Reads the data, builds the model and fits it.
void run_glm(const std::string& command, const GlmCliOptions& o) {
  auto table = load_table(o, command);
  auto design = elbo::models::design_matrix(
      table, elbo::models::DesignMatrixOptions().target(
                 o.target.empty() && o.data.empty() ? "malignant_is_0" : o.target)
                 .standardize(o.standardize));
  check_targets(command, table, design);
  std::shared_ptr<const elbo::model::Model> model;
  if (command == "linear") {
    auto options = elbo::models::LinearRegressionOptions()
                       .prior_alpha_scale(o.prior_alpha_scale)
                       .prior_beta_scale(o.prior_beta_scale)
                       .prior_sigma_scale(o.prior_sigma_scale);
    if (o.known_sigma > 0) options.known_sigma(o.known_sigma);
    model = std::make_shared<elbo::models::LinearRegression>(design.X, design.y, options);
  } else if (command == "logistic") {
    model = std::make_shared<elbo::models::LogisticRegression>(
        design.X, design.y,
        elbo::models::LogisticRegressionOptions().prior_alpha_scale(o.prior_alpha_scale)
            .prior_beta_scale(o.prior_beta_scale));
  } else {
    model = std::make_shared<elbo::models::PoissonRegression>(
        design.X, design.y,
        elbo::models::PoissonRegressionOptions().prior_alpha_scale(o.prior_alpha_scale)
            .prior_beta_scale(o.prior_beta_scale));
  }

  FitContext context;
  context.model_label = command;
  context.data_source = table.source;
  nlohmann::json scaling = nlohmann::json::array();
  for (size_t j = 0; j < design.feature_names.size(); ++j) {
    scaling.push_back({{"column", "beta." + std::to_string(j + 1)},
                       {"feature", design.feature_names[j]},
                       {"mean", design.means[j].item<double>()},
                       {"sd", design.sds[j].item<double>()}});
  }
  context.data_info = {{"file", table.source},
                       {"rows", design.X.size(0)},
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
  // What `elbo predict` needs besides draws.csv: the design's columns and scaling.
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
  FitCliOptions fit = o.fit;
  fit.run_fingerprint = run_fingerprint(
      {o.data}, fmt::format("fit {} target={} standardize={} priors={},{},{} sigma={}", command, design.target_name,
                            o.standardize, o.prior_alpha_scale, o.prior_beta_scale, o.prior_sigma_scale, o.known_sigma));
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
