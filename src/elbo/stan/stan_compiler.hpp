#pragma once
// Stan program → shared library, once per program: today's syntax is
// upgraded to Stan 2.21's (stan/syntax_upgrade), Debian's stanc2 translates it
// to C++, g++ compiles that with the model shim (shim/stan_model_shim.cpp,
// implementing shim/stan_model_abi.h) against a precompiled header of Stan
// Math. Libraries are cached by a hash of the upgraded program, the shim, the
// flags and the compiler, in $XDG_CACHE_HOME/elbo/stan (else ~/.cache/elbo/stan),
// so a second run of the same program starts at once.
#include <string>
#include <vector>

namespace elbo::stan {

struct StanCompileOptions {
  std::string cache_dir;  // empty: default_stan_cache_dir()
  bool force = false;     // rebuild even when cached
  /// Called with a short status line before each slow step (or null).
  void (*status)(const std::string&) = nullptr;
};

struct CompiledStanProgram {
  std::string stan_file;        // as given
  std::string library;          // the shared library to load
  std::string translated;       // the Stan 2.21 program stanc saw (in the cache)
  std::vector<std::string> syntax_changes;
  std::string key;              // the cache key (hex)
  bool cached = false;          // true: nothing was compiled
  double stanc_seconds = 0.0;
  double compile_seconds = 0.0;  // g++ (with the precompiled header, if it was built now)
};

std::string default_stan_cache_dir();

/// Compiles (or finds in the cache) the program in `stan_file`. Throws
/// InputError for a missing file or a program stanc rejects (one line: file,
/// line, stanc's message), EnvironmentError for a missing toolchain piece or a
/// failed C++ compilation (naming the log file).
CompiledStanProgram compile_stan_program(const std::string& stan_file,
                                         const StanCompileOptions& options = {});

}  // namespace elbo::stan
