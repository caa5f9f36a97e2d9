#pragma once
// Sharded reading of a line-oriented file (one document or data point per line):
// the bytes after `header_lines` header lines are cut into as many equal byte
// ranges as there are ranks, and a line belongs to the rank whose range holds its
// first byte. Each rank reads only its range (plus the few bytes up to the next
// line break), so no rank ever holds the whole file; one allreduce of the line
// counts gives every rank the global number of its first line (for messages).
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "elbo/distributed/communicator.hpp"

namespace elbo::distributed {

struct LineShard {
  std::string header;      // the header lines (every rank reads them), with their '\n'
  std::string text;        // this rank's whole lines, with their '\n'
  int64_t first_line = 0;  // 1-based line number in the file of text's first line
  int64_t lines = 0;       // lines in text
  int64_t file_bytes = 0;
};

/// Where this rank's shard of `path` lies: the header and the byte range [begin, end)
/// of its whole lines, cut as read_line_shard cuts it. Not collective; a file that
/// cannot be opened or read is an InputError naming the file and the rank.
struct ShardRange {
  std::string header;
  int64_t begin = 0;
  int64_t end = 0;
  int64_t file_bytes = 0;
};
ShardRange line_shard_range(const std::string& path, int64_t header_lines, const Communicator& comm);

/// Reads this rank's shard of `path`. A file that cannot be opened or read is an
/// InputError naming the file and the rank. Collective (one allreduce).
LineShard read_line_shard(const std::string& path, int64_t header_lines, Communicator& comm);

/// 1-based file line of rank `rank`'s first line, from every rank's line count.
int64_t first_line_of_rank(const std::vector<int64_t>& line_counts, int64_t header_lines, int rank);

/// Re-throws an InputError raised while parsing a shard as the same error with the
/// line number made global (shard line + first_line − 1 − header lines read with
/// it) and "rank r of n" in the message, so the user sees file, line and rank.
[[noreturn]] void rethrow_shard_error(const std::exception_ptr& error, const LineShard& shard,
                                      int64_t parsed_header_lines, const Communicator& comm);

/// The collective end of parsing shards: every rank reports whether its parse
/// failed (and its `maxima`, reduced by max in the same allreduce). The rank that
/// failed re-throws its error (rethrow_shard_error); the others, when any rank
/// failed, wait in a barrier that the failed rank never joins, so its message is
/// the one printed before the CLI's MPI_Abort ends the job. Never hangs: the
/// failed rank always aborts.
void agree_on_shards(const std::exception_ptr& error, const LineShard& shard, int64_t parsed_header_lines,
                     std::vector<int64_t>& maxima, Communicator& comm);

}  // namespace elbo::distributed
