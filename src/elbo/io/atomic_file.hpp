#pragma once
// Atomic file replacement: write everything to "<path>.<pid>.<n>.tmp", then
// rename it over <path> (rename(2) is atomic within a file system), so a killed
// run leaves either the old file or the complete new one, never half a file;
// the name is unique per process and file, so two runs writing the same path
// never write into one temporary file (the last complete one wins).
#include <cstdio>
#include <string>
#include <string_view>

namespace elbo::io {

/// A file written through "<path>.tmp" and renamed to <path> by commit().
/// Destroying an uncommitted AtomicFile removes the temporary file.
/// Every failure throws elbo::InputError naming the file and the OS reason.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);
  /// Flushes, closes and renames the temporary file onto path().
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }
  bool committed() const { return committed_; }

 private:
  [[noreturn]] void fail(const std::string& what, int err);

  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

/// Writes `contents` to `path` atomically (tmp + rename).
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace elbo::io
