#include "elbo/distributed/disk_corpus_shard.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <string_view>

#include "elbo/core/error.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/line_shard.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::distributed {

namespace {

constexpr int64_t kMaxLineBytes = int64_t{256} << 20;

// A read-only file descriptor, closed on scope exit; pread never moves a shared
// offset, so several threads may read one DiskCorpusShard at once.
class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY)) {
    if (fd_ < 0) throw InputError(path, 0, "", std::string("cannot open: ") + std::strerror(errno));
  }
  ~ReadOnlyFile() { ::close(fd_); }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;

  // Appends bytes [offset, offset + count) to `out`.
  void append(int64_t offset, int64_t count, std::string& out) const {
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(count));
    int64_t done = 0;
    while (done < count) {
      const ssize_t got = ::pread(fd_, out.data() + at + done, static_cast<size_t>(count - done), offset + done);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        throw InputError(path_, 0, "", got < 0 ? std::string("cannot read: ") + std::strerror(errno)
                                               : "shorter than when the fit opened it (the file changed)");
      }
      done += got;
    }
  }

 private:
  std::string path_;
  int fd_;
};

bool is_blank_row(std::string_view row) { return row.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

DiskCorpusShard DiskCorpusShard::open(const std::string& path, int64_t vocabulary_size,
                                      const io::CorpusReadOptions& options, Communicator& comm,
                                      int64_t scan_block_bytes) {
  // Validation reads the shard in blocks (cut at line ends), so a rank never holds
  // more than one block and its parse.
  const int64_t block_bytes = std::max<int64_t>(1, scan_block_bytes);
  DiskCorpusShard shard;
  shard.path_ = path;
  shard.options_ = options;
  std::exception_ptr error;
  int64_t lines = 0;
  int64_t words_seen = 0;  // V implied by this rank's documents
  try {
    const ShardRange range = line_shard_range(path, 0, comm);
    const ReadOnlyFile file(path);
    long pending_blank = 0;  // first of a run of blank lines (an error unless they end the shard)
    std::string text;        // complete lines starting at file offset text_start
    int64_t text_start = range.begin;
    int64_t next = range.begin;
    while (next < range.end) {
      const int64_t count = std::min(block_bytes, range.end - next);
      file.append(next, count, text);
      next += count;
      const bool last = next >= range.end;
      size_t cut = last ? text.size() : text.rfind('\n');
      if (cut == std::string::npos) {  // one line longer than a block: read on, within reason
        if (static_cast<int64_t>(text.size()) > kMaxLineBytes) {
          throw InputError(path, static_cast<long>(lines) + 1, "", "a line longer than 256 MB (not LDA-C?)");
        }
        continue;
      }
      if (!last) ++cut;                        // keep the '\n' with its line
      const std::string_view block(text.data(), cut);
      // Where each document starts; parse_ldac numbers its lines from lines + 1.
      const size_t docs_before = shard.starts_.size();
      bool has_pair = false, has_content = false;
      long line = static_cast<long>(lines);
      for (size_t p = 0; p < block.size();) {
        size_t e = block.find('\n', p);
        if (e == std::string_view::npos) e = block.size();
        std::string_view row = block.substr(p, e - p);
        // The file's byte-order mark is not part of its first document, which
        // read() may parse anywhere in a minibatch.
        const size_t bom = text_start + static_cast<int64_t>(p) == 0 ? row.size() - io::strip_utf8_bom(row).size() : 0;
        row.remove_prefix(bom);
        ++line;
        if (is_blank_row(row)) {
          if (pending_blank == 0) pending_blank = line;
        } else {
          if (pending_blank != 0) {
            throw InputError(path, pending_blank, "N", "blank line (expected \"N id:count ...\")");
          }
          has_content = true;
          const bool pairs = row.find(':') != std::string_view::npos;
          has_pair = has_pair || pairs;
          // a line without pairs is an empty document: kept only with keep_empty_documents
          if (pairs || options.keep_empty_documents_) {
            shard.starts_.push_back(text_start + static_cast<int64_t>(p + bom));
            shard.lengths_.push_back(static_cast<int32_t>(row.size()));
          }
        }
        p = e + 1;
      }
      if (has_content) {
        // A block of empty documents only: parse_ldac would find "no documents";
        // keep_empty_documents checks the same lines without that.
        io::CorpusReadOptions parse = options;
        if (!has_pair && options.skip_empty_documents_) parse.keep_empty_documents(true);
        const io::Corpus parsed = io::parse_ldac(block, path, vocabulary_size, parse, static_cast<long>(lines) + 1);
        words_seen = std::max(words_seen, parsed.num_words);
        if (has_pair && parsed.num_docs() != static_cast<int64_t>(shard.starts_.size() - docs_before)) {
          throw std::logic_error("DiskCorpusShard: documents and lines disagree");
        }
      }
      lines = line;
      text.erase(0, cut);
      text_start += static_cast<int64_t>(cut);
    }
    if (shard.starts_.empty()) {
      throw InputError(path, 0, "", "no documents in this rank's shard of the " + std::to_string(range.file_bytes) +
                                        "-byte file: use fewer ranks");
    }
  } catch (const InputError&) {
    error = std::current_exception();
  }
  std::vector<int64_t> line_counts(static_cast<size_t>(comm.size()), 0);
  line_counts[static_cast<size_t>(comm.rank())] = lines;
  comm.allreduce_sum(line_counts);
  LineShard lines_of_rank;  // only first_line is used, to make line numbers global
  lines_of_rank.first_line = first_line_of_rank(line_counts, 0, comm.rank());
  std::vector<int64_t> num_words{error ? 0 : words_seen};
  agree_on_shards(error, lines_of_rank, 0, num_words, comm);
  shard.num_words_ = vocabulary_size > 0 ? vocabulary_size : num_words[0];
  const ShardLayout layout = shard_layout(shard.num_docs(), comm);
  shard.first_document_ = layout.first;
  shard.total_documents_ = layout.total;
  return shard;
}

io::Corpus DiskCorpusShard::read(const std::vector<int64_t>& docs) const {
  io::Corpus out;
  out.source = path_;
  out.num_words = num_words_;
  if (docs.empty()) return out;
  std::string text;
  size_t bytes = 0;
  for (int64_t d : docs) {
    if (d < 0 || d >= num_docs()) throw std::out_of_range("DiskCorpusShard::read: document out of range");
    bytes += static_cast<size_t>(lengths_[static_cast<size_t>(d)]) + 1;
  }
  text.reserve(bytes);
  const ReadOnlyFile file(path_);
  for (int64_t d : docs) {
    file.append(starts_[static_cast<size_t>(d)], lengths_[static_cast<size_t>(d)], text);
    text.push_back('\n');
  }
  // Every line parsed when the shard was opened; a failure now means the file changed.
  try {
    io::CorpusReadOptions parse = options_;
    parse.keep_empty_documents(true);  // only kept documents are read back
    out = io::parse_ldac(text, path_, num_words_, parse);
  } catch (const InputError& e) {
    throw InputError(path_, 0, "", std::string("changed while the fit was reading it: ") + e.what());
  }
  if (out.num_docs() != static_cast<int64_t>(docs.size())) {
    throw InputError(path_, 0, "", "changed while the fit was reading it");
  }
  out.num_words = num_words_;
  return out;
}

}  // namespace elbo::distributed
