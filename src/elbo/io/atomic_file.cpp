#include "elbo/io/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "elbo/core/error.hpp"

namespace elbo::io {

namespace {
std::string unique_temp_path(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + ".tmp";
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_path_(unique_temp_path(path_)) {
  file_ = std::fopen(temp_path().c_str(), "wb");
  if (file_ == nullptr) fail("cannot open '" + temp_path() + "' for writing", errno);
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_) std::remove(temp_path().c_str());
}

void AtomicFile::fail(const std::string& what, int err) {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  std::remove(temp_path().c_str());
  throw InputError(path_, 0, "", what + (err != 0 ? std::string(": ") + std::strerror(err) : ""));
}

void AtomicFile::write(std::string_view bytes) {
  if (file_ == nullptr) throw InputError(path_, 0, "", "write after commit");
  if (bytes.empty()) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    fail("cannot write", errno);
  }
}

void AtomicFile::commit() {
  if (file_ == nullptr) throw InputError(path_, 0, "", "file already committed");
  if (std::fflush(file_) != 0) fail("cannot write", errno);
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) fail("cannot write", errno);
  if (std::rename(temp_path().c_str(), path_.c_str()) != 0) {
    fail("cannot rename '" + temp_path() + "' to the output file", errno);
  }
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

}  // namespace elbo::io
