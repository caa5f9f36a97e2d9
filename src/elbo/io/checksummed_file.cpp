#include "elbo/io/checksummed_file.hpp"

#include <zlib.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "elbo/core/error.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/text_file.hpp"

namespace elbo::io {

uint32_t crc32_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large payloads in pieces.
  for (size_t at = 0; at < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - at, size_t{1} << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
    at += n;
  }
  return static_cast<uint32_t>(crc);
}

namespace {

constexpr std::string_view kMagic = "elbo-checked ";

}  // namespace

std::string with_checksum(std::string_view kind, std::string_view payload) {
  char header[128];
  std::snprintf(header, sizeof header, " crc32=%08" PRIx32 " bytes=%zu\n", crc32_of(payload), payload.size());
  std::string out;
  out.reserve(payload.size() + kind.size() + 64);
  out.append(kMagic).append(kind).append(header).append(payload);
  return out;
}

void write_checksummed_file(const std::string& path, std::string_view kind, std::string_view payload) {
  write_file_atomically(path, with_checksum(kind, payload));
}

std::string verified_payload(const std::string& contents, std::string_view kind, const std::string& source) {
  const size_t eol = contents.find('\n');
  if (contents.compare(0, kMagic.size(), kMagic) != 0 || eol == std::string::npos || eol > 256) {
    throw InputError(source, 0, "", "not an elbo " + std::string(kind) + " file (no checksum header)");
  }
  const std::string header = contents.substr(kMagic.size(), eol - kMagic.size());
  char found_kind[128] = {0};
  unsigned crc = 0;
  unsigned long long bytes = 0;
  if (std::sscanf(header.c_str(), "%127s crc32=%8x bytes=%llu", found_kind, &crc, &bytes) != 3) {
    throw InputError(source, 1, "", "malformed checksum header");
  }
  if (kind != found_kind) {
    throw InputError(source, 1, "", "is an elbo " + std::string(found_kind) + " file, not a " + std::string(kind));
  }
  const std::string_view payload(contents.data() + eol + 1, contents.size() - eol - 1);
  if (payload.size() != bytes) {
    throw InputError(source, 0, "",
                     "truncated or extended: " + std::to_string(payload.size()) + " bytes after the header, " +
                         std::to_string(bytes) + " written (the file is corrupt)");
  }
  if (crc32_of(payload) != crc) {
    throw InputError(source, 0, "", "checksum mismatch: the file is corrupt (changed since it was written)");
  }
  return std::string(payload);
}

std::string read_checksummed_file(const std::string& path, std::string_view kind) {
  if (!std::filesystem::exists(path)) throw InputError(path, 0, "", "file does not exist");
  return verified_payload(read_text_file(path), kind, path);
}

}  // namespace elbo::io
