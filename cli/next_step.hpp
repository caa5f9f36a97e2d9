#pragma once
// The end of every fit command: with --report, DIR/report.html (elbo report's
// output); otherwise one line saying how to get it.
#include <string>

namespace CLI {
class App;
}

namespace elbo_cli {

/// Registers `--report` on a fit command, bound to `flag`.
void add_report_flag(CLI::App& command, bool& flag);

/// After a fit wrote `directory`: the report when `report`, else (unless
/// `quiet`) a one-line hint naming the command that makes it.
void finish_fit(const std::string& directory, bool report, bool quiet);

}  // namespace elbo_cli
