#include "predict.hpp"
#include "option_validators.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

namespace {

void run_predict(const PredictArgs& args) {
  const nlohmann::json saved = read_saved_model(args.model_dir);
  const std::string model = saved.at("model").get<std::string>();  // read_saved_model checked it
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
