#pragma once
// What a fit command left in its output directory, and which command it was:
//   elbo fit <model>  draws.csv + summary.json (the settings, the ELBO trace, k-hat, the verdict)
//   elbo fit lda      summary.json + topics.json (+ topics.csv)
//   elbo fit gmm      gmm.json
//   elbo train vae    summary.json ("command": "train vae") + PNG grids + model.pt
#include <nlohmann/json.hpp>

#include <string>

namespace elbo::report {

enum class FitKind { advi, lda, gmm, vae };

/// "fit" (the ADVI-style fits), "lda", "gmm" or "vae".
const char* fit_kind_name(FitKind kind);

struct FitDirectory {
  std::string path;          // the directory
  FitKind kind = FitKind::advi;
  std::string summary_path;  // summary.json, or gmm.json for the GMM
  nlohmann::json summary;    // its contents (an object)
  /// path / name.
  std::string file(const std::string& name) const;
};

/// Reads the directory's summary and tells the kind of fit. A missing
/// directory, a directory without a fit, or a summary that is not valid JSON
/// or not a fit's summary is an elbo::InputError naming the directory or file.
FitDirectory open_fit_directory(const std::string& path);

/// The JSON in the file at `path`; an elbo::InputError naming the file (and
/// the parser's line and column) when it is missing or not valid JSON.
nlohmann::json read_json_file(const std::string& path);

}  // namespace elbo::report
