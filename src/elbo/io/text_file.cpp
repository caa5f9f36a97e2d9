#include "elbo/io/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "elbo/core/error.hpp"

namespace elbo::io {

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path, 0, "", "cannot read: is a directory, not a file");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw InputError(path, 0, "", std::string("cannot open: ") + std::strerror(errno));
  // One read into a buffer of the file's size; the loop also covers pipes,
  // /proc files and files that grow while being read.
  std::string out;
  const auto size = std::filesystem::file_size(path, ec);
  size_t capacity = ec ? size_t{1} << 16 : static_cast<size_t>(size) + 1;
  size_t used = 0;
  for (;;) {
    out.resize(capacity);
    used += std::fread(&out[used], 1, capacity - used, file.get());
    if (used < capacity) {
      if (std::ferror(file.get())) {
        throw InputError(path, 0, "", std::string("cannot read: ") + std::strerror(errno));
      }
      break;
    }
    capacity *= 2;
  }
  out.resize(used);
  return out;
}

}  // namespace elbo::io
