#pragma once
// DIR/model.json: what `elbo predict --model DIR` needs from a fit, written by
// every fit command that has a prediction (fit linear|logistic|poisson, fit lda,
// fit gmm, train vae, fit gp). Always an object with
//   "format": "elbo-model-1"  (bumped when the layout changes),
//   "model":  "linear" | "logistic" | "poisson" | "lda" | "gmm" | "vae" | "gp",
// and the model's own fields (a regression's design scaling, LDA's topic-word
// pseudo-counts, the GMM's variational posterior, the VAE's weights file).
#include <nlohmann/json.hpp>

#include <string>

namespace elbo_cli {

inline constexpr const char* kSavedModelFormat = "elbo-model-1";

/// Writes `fields` (with "format" and "model" added) to directory/model.json.
void write_saved_model(const std::string& directory, const std::string& model, nlohmann::json fields);

/// Reads directory/model.json. A missing directory or file, invalid JSON, a
/// different "format" or a missing "model" is one elbo::InputError naming the
/// directory or file and what to do.
nlohmann::json read_saved_model(const std::string& directory);

/// The path of the model.json that read_saved_model read.
std::string saved_model_path(const nlohmann::json& saved);

}  // namespace elbo_cli
