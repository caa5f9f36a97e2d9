#pragma once
// Shared by the Stan tests: where test programs live, one compile cache for
// the whole test run (in the build tree, so a test run never touches the
// user's cache), and loading a program with data given as JSON text.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "elbo/stan/stan_density.hpp"

namespace elbo::stan::test {

inline std::string program_path(const std::string& name) {
  return std::string(ELBO_SOURCE_DIR) + "/tests/stan/programs/" + name;
}

inline std::string posteriordb_dir() { return std::string(ELBO_SOURCE_DIR) + "/../shared/posteriordb"; }

inline StanModelOptions test_options() {
  StanModelOptions o;
  o.compile.cache_dir = ELBO_STAN_TEST_CACHE;
  return o;
}

/// Writes `text` to a fresh file in the temp directory and returns its path.
inline std::string write_temp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / "elbo-stan-tests";
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

inline std::shared_ptr<StanDensity> load(const std::string& program, const std::string& data_json,
                                         const std::string& data_name = "data.json") {
  const std::string data = data_json.empty() ? "" : write_temp(data_name, data_json);
  return load_stan_model(program, data, test_options());
}

}  // namespace elbo::stan::test
