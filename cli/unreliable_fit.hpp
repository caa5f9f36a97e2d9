#pragma once
// Thrown by run_fit under --strict when the fit is not reliable, after its
// outputs are written; main() turns it into exit code 3.
#include <stdexcept>
#include <string>

namespace elbo_cli {

inline constexpr int kUnreliableFitExitCode = 3;

class UnreliableFit : public std::runtime_error {
 public:
  explicit UnreliableFit(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace elbo_cli
