#include "elbo/report/report.hpp"

#include <filesystem>

#include "elbo/io/atomic_file.hpp"
#include "elbo/report/fields.hpp"
#include "elbo/report/kind_reports.hpp"

namespace elbo::report {

std::string settings_html(const nlohmann::json& summary, const std::set<std::string>& skip) {
  return fields_table(flatten_fields(summary, skip));
}

std::string render_report(const std::string& directory, const ReportOptions& options) {
  const FitDirectory fit = open_fit_directory(directory);
  std::string title;
  switch (fit.kind) {
    case FitKind::advi:
      title = "elbo fit " + fit.summary.value("model", std::string("model")) + ": " +
              fit.summary.value("method", std::string("advi"));
      break;
    case FitKind::lda: title = "elbo fit lda: " + fit.summary.value("method", std::string("lda")); break;
    case FitKind::gmm: title = "elbo fit gmm: " + fit.summary.value("method", std::string("gmm")); break;
    case FitKind::vae: title = "elbo train vae"; break;
  }
  Page page(title, "Report of " + std::filesystem::absolute(directory).lexically_normal().string());
  switch (fit.kind) {
    case FitKind::advi: add_advi_sections(page, fit, options); break;
    case FitKind::lda: add_lda_sections(page, fit, options); break;
    case FitKind::gmm: add_gmm_sections(page, fit, options); break;
    case FitKind::vae: add_vae_sections(page, fit, options); break;
  }
  return page.str();
}

std::string write_report(const std::string& directory, const std::string& output, const ReportOptions& options) {
  const std::string path =
      output.empty() ? (std::filesystem::path(directory) / "report.html").string() : output;
  const std::string html = render_report(directory, options);
  io::write_file_atomically(path, html);
  return path;
}

}  // namespace elbo::report
