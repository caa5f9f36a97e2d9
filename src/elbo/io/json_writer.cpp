#include "elbo/io/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <system_error>

#include "elbo/core/error.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/output_lock.hpp"

namespace elbo::io {

void write_json_file(const std::string& path, const nlohmann::json& value, int indent) {
  std::string text =
      value.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  write_file_atomically(path, text);
}

void ensure_directory(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InputError(path, 0, "", "empty output directory name");
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      throw InputError(path, 0, "", "exists but is not a directory");
    }
    lock_output_directory(path);
    return;
  }
  fs::create_directories(path, ec);
  if (ec || !fs::is_directory(path)) {
    throw InputError(path, 0, "",
                     "cannot create directory: " + (ec ? ec.message() : std::string("unknown error")));
  }
  lock_output_directory(path);
}

}  // namespace elbo::io
