#pragma once
// Runs a program (no shell: arguments are passed as they are) and collects its
// exit code and output; what the Stan compiler front-end uses to call stanc and g++.
#include <string>
#include <vector>

namespace elbo::stan {

struct ProcessResult {
  int exit_code = -1;  // the program's exit status; 128 + signal when killed; -1 not started
  std::string out;     // standard output, trailing newlines removed
  std::string err;     // standard error, trailing newlines removed
};

/// Runs argv[0] (looked up on PATH) with argv; throws EnvironmentError only when
/// it cannot be started at all.
ProcessResult run_process(const std::vector<std::string>& argv);

}  // namespace elbo::stan
