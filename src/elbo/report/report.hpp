#pragma once
// `elbo report DIR`: one self-contained HTML file (inline SVG, CSS and a few
// lines of JavaScript; no network) from what a fit command wrote to DIR.
// What it contains and why it is drawn this way: docs/REPORT.md.
#include <string>

namespace elbo::report {

struct ReportOptions {
  size_t marginals = 24;     // marginal densities shown at once; the rest behind a <select>
  size_t selectable = 500;   // at most this many more behind the <select>
  size_t pair_params = 4;    // parameters in the pair plot
  size_t scatter_points = 400;  // draws per scatter of the pair plot
  size_t cluster_points = 2000; // data points in the GMM's scatter plot
};

/// The report of the fit in `directory` as an HTML document. Throws
/// elbo::InputError naming the file when the directory holds no fit or a
/// file it needs (summary.json, draws.csv, topics.json, gmm.json) is missing
/// or malformed.
std::string render_report(const std::string& directory, const ReportOptions& options = {});

/// render_report written to `output` (default: directory/report.html),
/// atomically; returns the path written.
std::string write_report(const std::string& directory, const std::string& output = "",
                         const ReportOptions& options = {});

}  // namespace elbo::report
