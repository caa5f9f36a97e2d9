#include "predict.hpp"
#include "option_validators.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/atomic_file.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

void PredictionTable::add(const std::string& name, std::vector<double> values) {
  names.push_back(name);
  columns.push_back(std::move(values));
}

void write_prediction_csv(const PredictionTable& table, const std::string& output) {
  const size_t rows = table.columns.empty() ? 0 : table.columns.front().size();
  std::string csv = "row";
  for (const auto& n : table.names) csv += "," + n;
  csv += '\n';
  csv.reserve(csv.size() + rows * table.columns.size() * 12);
  for (size_t i = 0; i < rows; ++i) {
    csv += std::to_string(i + 1);
    for (const auto& c : table.columns) csv += fmt::format(",{:.9g}", c[i]);
    csv += '\n';
  }
  if (output.empty()) {
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    std::fflush(stdout);
  } else {
    elbo::io::write_file_atomically(output, csv);
  }
}

namespace {

void run_predict(const PredictArgs& args) {
  const nlohmann::json saved = read_saved_model(args.model_dir);
  const std::string model = saved["model"].get<std::string>();
  try {
    if (model == "linear" || model == "logistic" || model == "poisson") return predict_regression(saved, args);
    if (model == "lda") return predict_lda(saved, args);
    if (model == "gmm") return predict_gmm(saved, args);
    if (model == "vae") return predict_vae(saved, args);
    if (model == "gp") return predict_gp(saved, args);
  } catch (const nlohmann::json::exception& e) {
    // A field of model.json of the wrong type or missing.
    throw elbo::InputError(saved_model_path(saved), 0, "", std::string("is malformed: ") + e.what());
  }
  throw elbo::InputError(saved_model_path(saved), 0, "model",
                         "is '" + model + "', a model this elbo cannot predict with");
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict",
      "Predictions of a fitted model for new data: regressions (posterior predictive of y and of "
      "the linear predictor), LDA (topic proportions), GMM (component probabilities), VAE "
      "(latent means), GP (predictive mean and variance)");
  cmd->add_option("--model,-m", args->model_dir, "The fit's output directory (holds model.json)")->required();
  cmd->add_option("--data,-d", args->data,
                  "New data: regression/GMM rows (CSV with the fit's columns, or JSON X), LDA "
                  "documents (the fit's corpus format), VAE images (IDX or CSV)")
      ->required();
  cmd->add_option("--output,-o", args->output, "CSV file for the predictions (default: stdout)");
  cmd->add_option("--draws", args->draws_output,
                  "Regressions: also write one posterior predictive draw of y per posterior draw "
                  "(rows: draws, columns y.1..y.M) to this CSV file");
  cmd->add_option("--format", args->format, "LDA documents: auto, ldac, uci or text (default: as the fit)")
      ->check(CLI::IsMember({"auto", "ldac", "uci", "text"}));
  cmd->add_option("--seed", args->seed, "Seed of the predictive draws")->check(validators::seed())->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (0: all cores)")->check(validators::thread_count())->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors (with --output)");
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace elbo_cli
