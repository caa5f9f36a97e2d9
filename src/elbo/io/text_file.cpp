#include "elbo/io/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "elbo/core/error.hpp"

namespace elbo::io {

namespace {
constexpr size_t kMaxTextFileBytes = size_t{16} << 30;
}  // namespace

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path, 0, "", "cannot read: is a directory, not a file");
  }
  // /dev/zero or /dev/urandom would be read until memory runs out.
  if (std::filesystem::is_character_file(path, ec) || std::filesystem::is_block_file(path, ec)) {
    throw InputError(path, 0, "", "cannot read: is a device, not a data file");
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
    // A pipe that never ends: stop at a size no data file of ours reaches.
    if (capacity >= kMaxTextFileBytes) {
      throw InputError(path, 0, "", "is larger than " + std::to_string(kMaxTextFileBytes >> 30) +
                                        " GiB; text data of that size must be streamed (e.g. fit lda --streaming)");
    }
    capacity *= 2;
  }
  out.resize(used);
  return out;
}

}  // namespace elbo::io
