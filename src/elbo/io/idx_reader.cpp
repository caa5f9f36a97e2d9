#include "elbo/io/idx_reader.hpp"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "elbo/core/error.hpp"

namespace elbo::io {

namespace {

[[noreturn]] void fail_idx(const std::string& source, const std::string& what) {
  throw InputError(source, 0, "", what);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_idx(path, "cannot open file for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail_idx(path, "read error");
  return buffer.str();
}

uint32_t big_endian_u32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

const char* type_name(unsigned type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return nullptr;
  }
}

std::string hex_byte(unsigned b) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[(b >> 4) & 0xF] + digits[b & 0xF];
}

}  // namespace

int64_t IdxArray::item_size() const {
  int64_t size = 1;
  for (size_t i = 1; i < dims.size(); ++i) size *= dims[i];
  return size;
}

std::string gunzip(std::string_view bytes, const std::string& source) {
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) fail_idx(source, "cannot initialise zlib");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char chunk[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      const std::string reason = stream.msg != nullptr ? stream.msg : "error " + std::to_string(rc);
      inflateEnd(&stream);
      if (rc == Z_BUF_ERROR) fail_idx(source, "truncated gzip stream");
      fail_idx(source, "corrupt gzip stream (" + reason + ")");
    }
    out.append(chunk, sizeof(chunk) - stream.avail_out);
    if (rc != Z_STREAM_END && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      fail_idx(source, "truncated gzip stream");
    }
  }
  inflateEnd(&stream);
  return out;
}

IdxArray parse_idx(std::string_view bytes, const std::string& source) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4) {
    fail_idx(source, "not an IDX file: " + std::to_string(bytes.size()) +
                     " bytes, shorter than the 4-byte magic number");
  }
  if (p[0] != 0 || p[1] != 0) {
    fail_idx(source, "not an IDX file: magic number starts " + hex_byte(p[0]) + " " + hex_byte(p[1]) +
                     ", expected 0x00 0x00");
  }
  const unsigned type = p[2];
  const unsigned ndim = p[3];
  if (type_name(type) == nullptr) {
    fail_idx(source, "bad IDX magic number: unknown data type " + hex_byte(type));
  }
  if (type != 0x08) {
    fail_idx(source, std::string("IDX data type ") + hex_byte(type) + " (" + type_name(type) +
                     ") is not supported; only unsigned byte (0x08)");
  }
  if (ndim < 1 || ndim > 4) {
    fail_idx(source, "bad IDX magic number: " + std::to_string(ndim) + " dimensions (expected 1 to 4)");
  }
  const size_t header = 4 + 4 * size_t{ndim};
  if (bytes.size() < header) {
    fail_idx(source, "truncated header: " + std::to_string(ndim) + " dimensions need " +
                     std::to_string(header) + " bytes, found " + std::to_string(bytes.size()));
  }
  IdxArray out;
  out.source = source;
  uint64_t total = 1;
  for (unsigned i = 0; i < ndim; ++i) {
    const uint32_t d = big_endian_u32(p + 4 + 4 * i);
    if (d == 0) fail_idx(source, "dimension " + std::to_string(i) + " has size 0");
    total *= d;
    if (total > (uint64_t{1} << 40)) fail_idx(source, "dimensions too large");
    out.dims.push_back(static_cast<int64_t>(d));
  }
  const uint64_t body = bytes.size() - header;
  if (body < total) {
    fail_idx(source, "truncated body: expected " + std::to_string(total) + " bytes, found " +
                     std::to_string(body));
  }
  if (body > total) {
    fail_idx(source, std::to_string(body - total) + " unexpected bytes after the body of " +
                     std::to_string(total) + " bytes");
  }
  out.data.assign(p + header, p + header + total);
  return out;
}

IdxArray read_idx(const std::string& path) {
  std::string bytes = read_all(path);
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
      static_cast<unsigned char>(bytes[1]) == 0x8b) {
    bytes = gunzip(bytes, path);
  }
  return parse_idx(bytes, path);
}

IdxImages read_idx_images(const std::string& images_path, const std::string& labels_path) {
  IdxArray images = read_idx(images_path);
  if (images.dims.size() != 3) {
    fail_idx(images_path, "an images file needs 3 dimensions (count, rows, columns), found " +
                          std::to_string(images.dims.size()));
  }
  IdxImages out;
  out.count = images.dims[0];
  out.rows = images.dims[1];
  out.cols = images.dims[2];
  out.pixels = std::move(images.data);
  if (!labels_path.empty()) {
    IdxArray labels = read_idx(labels_path);
    if (labels.dims.size() != 1) {
      fail_idx(labels_path, "a labels file needs 1 dimension, found " + std::to_string(labels.dims.size()));
    }
    if (labels.dims[0] != out.count) {
      fail_idx(labels_path, "shape mismatch: " + std::to_string(labels.dims[0]) + " labels for " +
                            std::to_string(out.count) + " images in " + images_path);
    }
    out.labels.assign(labels.data.begin(), labels.data.end());
  }
  return out;
}

}  // namespace elbo::io
