// `elbo report DIR`: DIR/report.html from what a fit command wrote to DIR
// (src/elbo/report; docs/REPORT.md). A directory without a fit, or a missing
// or malformed summary.json / draws.csv / topics.json / gmm.json, is an
// InputError naming the file: one line and exit 1 (main.cpp).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "elbo/report/report.hpp"

namespace elbo_cli {
namespace {

struct ReportArgs {
  std::string directory;
  std::string output;
  size_t marginals = 24;
  size_t pair_params = 4;
  bool quiet = false;
};

void run_report(const ReportArgs& a) {
  if (a.marginals < 1) throw elbo::ConfigError("report: --marginals must be at least 1");
  if (a.pair_params < 2 || a.pair_params > 8) throw elbo::ConfigError("report: --pair-params must be in 2..8");
  elbo::report::ReportOptions options;
  options.marginals = a.marginals;
  options.pair_params = a.pair_params;
  const std::string path = elbo::report::write_report(a.directory, a.output, options);
  if (!a.quiet) std::printf("wrote %s\n", path.c_str());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report", "Write DIR/report.html: the fit's diagnostics, traces and plots in one offline HTML file");
  // No ->check(CLI::ExistingDirectory): the report's own message names the
  // directory and says what is missing, with exit code 1 like other bad input.
  cmd->add_option("directory", args->directory,
                  "Output directory of elbo fit <model>, fit lda, fit gmm or train vae")
      ->required();
  cmd->add_option("--output,-o", args->output, "HTML file to write (default: DIR/report.html)");
  cmd->add_option("--marginals", args->marginals,
                  "Marginal densities shown at once (the others: a selector)")
      ->capture_default_str();
  cmd->add_option("--pair-params", args->pair_params, "Parameters in the pair plot (2..8)")->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  cmd->footer(
      "The file is self-contained (inline SVG, CSS and script; no network). Exit codes: 0 written, 1 no fit "
      "in DIR or a file of it missing or malformed, 2 invalid options.");
  cmd->callback([args] { run_report(*args); });
}

}  // namespace elbo_cli
