#include "elbo/report/fit_directory.hpp"

#include <filesystem>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"

namespace elbo::report {
namespace fs = std::filesystem;

const char* fit_kind_name(FitKind kind) {
  switch (kind) {
    case FitKind::advi: return "fit";
    case FitKind::lda: return "lda";
    case FitKind::gmm: return "gmm";
    case FitKind::vae: return "vae";
  }
  return "fit";
}

std::string FitDirectory::file(const std::string& name) const { return (fs::path(path) / name).string(); }

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = io::read_text_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 1: ..." -> from "parse error"
    std::string what = e.what();
    const auto at = what.find("parse error");
    if (at != std::string::npos) what = what.substr(at);
    for (char& c : what)
      if (c == '\n' || c == '\r') c = ' ';
    throw InputError(path, 0, "", "not valid JSON: " + what);
  } catch (const nlohmann::json::exception& e) {
    // A number out of double's range (out_of_range.406) and the like.
    std::string what = e.what();
    const auto at = what.find("] ");
    throw InputError(path, 0, "", "not valid JSON: " + (at == std::string::npos ? what : what.substr(at + 2)));
  }
}

FitDirectory open_fit_directory(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, 0, "", "no such directory");
  if (!fs::is_directory(path, ec)) throw InputError(path, 0, "", "not a directory (give the fit's output directory)");
  FitDirectory d;
  d.path = path;
  const std::string summary = d.file("summary.json");
  const std::string gmm = d.file("gmm.json");
  if (fs::exists(summary, ec)) {
    d.summary_path = summary;
    d.summary = read_json_file(summary);
    if (!d.summary.is_object()) throw InputError(summary, 0, "", "not a fit summary (not a JSON object)");
    if (d.summary.value("command", std::string()) == "train vae") {
      d.kind = FitKind::vae;
    } else if (fs::exists(d.file("topics.json"), ec) || d.summary.contains("topics")) {
      d.kind = FitKind::lda;
    } else if (d.summary.contains("method")) {
      d.kind = FitKind::advi;
    } else {
      throw InputError(summary, 0, "",
                       "not a fit summary: no \"method\" (elbo fit, fit lda) or \"command\" (train vae)");
    }
    return d;
  }
  if (fs::exists(gmm, ec)) {
    d.kind = FitKind::gmm;
    d.summary_path = gmm;
    d.summary = read_json_file(gmm);
    if (!d.summary.is_object() || !d.summary.contains("means")) {
      throw InputError(gmm, 0, "", "not a fit gmm output (no \"means\")");
    }
    return d;
  }
  throw InputError(path, 0, "",
                   "no fit here: no summary.json (elbo fit, fit lda, train vae) or gmm.json (fit gmm)");
}

}  // namespace elbo::report
