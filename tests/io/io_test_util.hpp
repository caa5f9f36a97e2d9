#pragma once
// Helpers shared by the io tests: a scratch directory and error capture.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "elbo/core/error.hpp"

namespace elbo::io::testing {

/// Whether a temporary file of an atomic write of `path` ("<path>.<pid>.<n>.tmp")
/// is left beside it.
inline bool temp_file_left(const std::string& path) {
  const std::filesystem::path p(path);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(p.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(p.filename().string() + ".", 0) == 0 && e.path().extension() == ".tmp") return true;
  }
  return false;
}

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("elbo_io_test_" + std::to_string(rd()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& contents) const {
    std::ofstream out(file(name), std::ios::binary);
    out << contents;
    return file(name);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs `f`, which must throw elbo::InputError, and returns the error.
template <class F>
InputError expect_input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected elbo::InputError, got another exception: " << e.what();
    return InputError("", 0, "", "");
  }
  ADD_FAILURE() << "expected elbo::InputError, nothing was thrown";
  return InputError("", 0, "", "");
}

}  // namespace elbo::io::testing
