#pragma once
// Refusing a fit before it allocates what the machine cannot give: commands
// estimate their dominant allocations (a full-rank q's D² parameters, K draws
// of D values, LDA's K × V topics) and compare them with --max-memory, which
// defaults to half of the physical memory (or of the address-space limit, when
// one is set). The error says how much, what for, and what to use instead.
#include <CLI/CLI.hpp>

#include <string>

namespace elbo_cli {

/// Half of min(physical memory, RLIMIT_AS).
double default_memory_budget();

/// Adds --max-memory (e.g. 8G, 512M, 2.5e9; default: default_memory_budget())
/// writing the byte count to `bytes`.
void add_max_memory_option(CLI::App& command, double& bytes);

/// elbo::ConfigError when `bytes` > `budget`: "this fit needs about 19.2 GB
/// (WHAT), more than --max-memory 11.7 GB; ALTERNATIVE".
void check_memory(double bytes, double budget, const std::string& what, const std::string& alternative);

/// "19.2 GB", "310 MB".
std::string format_bytes(double bytes);

}  // namespace elbo_cli
