#include "saved_model.hpp"

#include <filesystem>

#include "elbo/core/error.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/report/fit_directory.hpp"

namespace elbo_cli {

namespace fs = std::filesystem;

void write_saved_model(const std::string& directory, const std::string& model, nlohmann::json fields) {
  fields["format"] = kSavedModelFormat;
  fields["model"] = model;
  elbo::io::ensure_directory(directory);
  elbo::io::write_json_file((fs::path(directory) / "model.json").string(), fields);
}

nlohmann::json read_saved_model(const std::string& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    throw elbo::InputError(directory, 0, "", "is not a directory (--model takes the --output directory of a fit)");
  }
  const std::string path = (fs::path(directory) / "model.json").string();
  if (!fs::exists(path, ec)) {
    throw elbo::InputError(directory, 0, "",
                           "has no model.json: not the output of a fit that predicts (fit linear, logistic, "
                           "poisson, lda, gmm, gp or train vae), or written by an elbo older than predict");
  }
  nlohmann::json saved = elbo::report::read_json_file(path);
  if (!saved.is_object() || !saved.contains("format") || !saved["format"].is_string()) {
    throw elbo::InputError(path, 0, "format", "is not an elbo model file (no \"format\")");
  }
  const std::string format = saved["format"].get<std::string>();
  if (format != kSavedModelFormat) {
    throw elbo::InputError(path, 0, "format",
                           "is format '" + format + "', but this elbo reads '" + kSavedModelFormat +
                               "': refit the model with this elbo");
  }
  if (!saved.contains("model") || !saved["model"].is_string()) {
    throw elbo::InputError(path, 0, "model", "is missing: not an elbo model file");
  }
  saved["__path"] = path;
  return saved;
}

std::string saved_model_path(const nlohmann::json& saved) {
  return saved.value("__path", std::string("model.json"));
}

}  // namespace elbo_cli
