#pragma once
// What every harness shares: the errors a reader may throw on bad input (each
// becomes the CLI's one clear line), and scratch files for readers that take a
// path. Anything else escaping a harness — another exception, a crash, a
// sanitizer report, a timeout or an out-of-memory — is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "elbo/core/error.hpp"

namespace elbo::fuzz {

inline std::string_view bytes_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Runs `parse`, accepting elbo's own typed errors only.
template <class Parse>
int accept_clean_errors(Parse&& parse) {
  try {
    parse();
  } catch (const elbo::InputError&) {
  } catch (const elbo::ConfigError&) {
  } catch (const elbo::DomainError&) {
  } catch (const elbo::NumericalError&) {
  }
  return 0;
}

/// A directory of this process's own (removed at exit).
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("elbo-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                      ("elbo-fuzz-" + std::to_string(::getpid())),
                                  ec);
    });
    return d;
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, std::string_view contents) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return path;
}

}  // namespace elbo::fuzz
