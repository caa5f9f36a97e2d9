#include "next_step.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "elbo/report/report.hpp"

namespace elbo_cli {

void add_report_flag(CLI::App& command, bool& flag) {
  command.add_flag("--report", flag,
                   "Also write DIR/report.html (diagnostics, traces and plots in one offline file; "
                   "see elbo report)");
}

void finish_fit(const std::string& directory, bool report, bool quiet) {
  if (directory.empty()) return;
  if (report) {
    const std::string path = elbo::report::write_report(directory);
    if (!quiet) std::printf("wrote %s\n", path.c_str());
  }
  if (quiet) {
    std::fflush(stdout);
    return;
  }
  std::error_code ec;
  const bool predicts = std::filesystem::exists(std::filesystem::path(directory) / "model.json", ec);
  if (!report && predicts) {
    std::printf("next: elbo report %s (plots), elbo predict --model %s --data NEW\n", directory.c_str(),
                directory.c_str());
  } else if (!report) {
    std::printf("next: elbo report %s  (plots and diagnostics in one HTML file)\n", directory.c_str());
  } else if (predicts) {
    std::printf("next: elbo predict --model %s --data NEW\n", directory.c_str());
  }
  std::fflush(stdout);
}

}  // namespace elbo_cli
