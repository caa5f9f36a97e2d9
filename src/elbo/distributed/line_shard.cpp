#include "elbo/distributed/line_shard.hpp"

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <vector>

#include "elbo/core/error.hpp"

namespace elbo::distributed {

namespace {

class ShardFile {
 public:
  ShardFile(const std::string& path, const Communicator& comm) : path_(path), comm_(comm) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) fail("cannot open: " + std::string(std::strerror(errno)));
  }
  ~ShardFile() {
    if (file_) std::fclose(file_);
  }
  ShardFile(const ShardFile&) = delete;
  ShardFile& operator=(const ShardFile&) = delete;

  int64_t size() {
    seek(0, SEEK_END);
    const long n = std::ftell(file_);
    if (n < 0) fail("cannot determine its size");
    return n;
  }
  void seek(int64_t offset, int whence = SEEK_SET) {
    if (std::fseek(file_, static_cast<long>(offset), whence) != 0) fail("cannot seek");
  }
  // Offset of the first line start at or after `offset` (0, or just after a '\n').
  int64_t line_start_at_or_after(int64_t offset, int64_t end) {
    if (offset == 0) return 0;
    seek(offset - 1);
    int64_t pos = offset - 1;
    int c;
    while (pos < end && (c = std::fgetc(file_)) != EOF) {
      ++pos;
      if (c == '\n') return pos;
    }
    return end;
  }
  std::string read(int64_t offset, int64_t count) {
    std::string out(static_cast<size_t>(count), '\0');
    seek(offset);
    if (count > 0 && std::fread(out.data(), 1, out.size(), file_) != out.size()) fail("short read");
    return out;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(path_, 0, "", comm_.rank_label() + " cannot read its shard: " + what);
  }

 private:
  std::string path_;
  const Communicator& comm_;
  std::FILE* file_ = nullptr;
};

int64_t count_lines(const std::string& s) {
  int64_t n = 0;
  for (char c : s) n += c == '\n';
  if (!s.empty() && s.back() != '\n') ++n;
  return n;
}

}  // namespace

ShardRange line_shard_range(const std::string& path, int64_t header_lines, const Communicator& comm) {
  ShardFile file(path, comm);
  ShardRange range;
  const int64_t size = file.size();
  range.file_bytes = size;
  int64_t data_start = 0;
  for (int64_t h = 0; h < header_lines; ++h) data_start = file.line_start_at_or_after(data_start + 1, size);
  range.header = file.read(0, data_start);
  const int64_t body = size - data_start;
  const int64_t r = comm.rank(), n = comm.size();
  range.begin = r == 0 ? data_start : file.line_start_at_or_after(data_start + body * r / n, size);
  range.end = r + 1 == n ? size : file.line_start_at_or_after(data_start + body * (r + 1) / n, size);
  range.end = std::max(range.begin, range.end);
  return range;
}

LineShard read_line_shard(const std::string& path, int64_t header_lines, Communicator& comm) {
  LineShard shard;
  std::vector<int64_t> line_counts(static_cast<size_t>(comm.size()), 0);
  // Errors are raised only after the collective, so a rank that cannot read its
  // file never leaves the others waiting in it (the CLI then aborts the job).
  std::exception_ptr error;
  try {
    const ShardRange range = line_shard_range(path, header_lines, comm);
    shard.file_bytes = range.file_bytes;
    shard.header = range.header;
    shard.text = ShardFile(path, comm).read(range.begin, range.end - range.begin);
    if (!shard.text.empty() && shard.text.back() != '\n') shard.text.push_back('\n');
    shard.lines = count_lines(shard.text);
    line_counts[static_cast<size_t>(comm.rank())] = shard.lines;
  } catch (...) {
    error = std::current_exception();
  }
  comm.allreduce_sum(line_counts);
  if (error) std::rethrow_exception(error);
  shard.first_line = first_line_of_rank(line_counts, header_lines, comm.rank());
  return shard;
}

int64_t first_line_of_rank(const std::vector<int64_t>& line_counts, int64_t header_lines, int rank) {
  int64_t first = header_lines + 1;
  for (int r = 0; r < rank; ++r) first += line_counts[static_cast<size_t>(r)];
  return first;
}

void rethrow_shard_error(const std::exception_ptr& error, const LineShard& shard, int64_t parsed_header_lines,
                         const Communicator& comm) {
  try {
    std::rethrow_exception(error);
  } catch (const InputError& e) {
    // e.what() is "file[:line][: field 'f']: message" (core/error.cpp); keep the message.
    std::string prefix = e.file();
    if (e.line() > 0) prefix += ":" + std::to_string(e.line());
    if (!e.field().empty()) prefix += ": field '" + e.field() + "'";
    prefix += ": ";
    const std::string what = e.what();
    const std::string message = what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
    const long line = e.line() > parsed_header_lines
                          ? static_cast<long>(e.line() - parsed_header_lines + shard.first_line - 1)
                          : e.line();
    throw InputError(e.file(), line, e.field(), comm.rank_label() + ": " + message);
  }
}

void agree_on_shards(const std::exception_ptr& error, const LineShard& shard, int64_t parsed_header_lines,
                     std::vector<int64_t>& maxima, Communicator& comm) {
  std::vector<int64_t> buffer{error ? int64_t{1} : int64_t{0}};
  buffer.insert(buffer.end(), maxima.begin(), maxima.end());
  comm.allreduce_max(buffer.data(), static_cast<int64_t>(buffer.size()));
  if (error) rethrow_shard_error(error, shard, parsed_header_lines, comm);
  if (buffer[0] != 0) {
    comm.barrier();
    throw InputError("", 0, "", comm.rank_label() + ": another rank could not read its shard");
  }
  std::copy(buffer.begin() + 1, buffer.end(), maxima.begin());
}

}  // namespace elbo::distributed
