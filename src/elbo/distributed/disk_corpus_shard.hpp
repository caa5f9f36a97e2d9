#pragma once
// This rank's documents of an LDA-C corpus left on disk ("out of core"): one pass
// over the rank's byte range (line_shard.hpp) validates every line, as
// read_ldac_shard would, in blocks of a few MB, and keeps only where each document
// starts and how long its line is (12 bytes per document); a minibatch's
// documents are read back (pread) and parsed when a step needs them. A rank's
// memory is then the index plus one minibatch, whatever the corpus size, so a
// corpus larger than the memory of every rank together can still be fitted.
#include <cstdint>
#include <string>
#include <vector>

#include "elbo/distributed/communicator.hpp"
#include "elbo/io/text_corpus.hpp"

namespace elbo::distributed {

class DiskCorpusShard {
 public:
  /// Collective. `vocabulary_size` ≤ 0: V = 1 + the largest word id on any rank.
  /// A malformed line is an InputError naming the file, its global line and the
  /// rank, raised after the collectives (as read_ldac_shard).
  /// `scan_block_bytes`: how much of the file the validating pass reads at a time.
  static DiskCorpusShard open(const std::string& path, int64_t vocabulary_size,
                              const io::CorpusReadOptions& options, Communicator& comm,
                              int64_t scan_block_bytes = int64_t{8} << 20);

  int64_t num_docs() const { return static_cast<int64_t>(starts_.size()); }
  int64_t num_words() const { return num_words_; }
  int64_t first_document() const { return first_document_; }   // global index of document 0
  int64_t total_documents() const { return total_documents_; } // over all ranks
  const std::string& path() const { return path_; }

  /// Documents `docs` (local indices), in that order, read from the file now.
  /// Thread-safe. An InputError if the file changed since open().
  io::Corpus read(const std::vector<int64_t>& docs) const;

 private:
  std::string path_;
  io::CorpusReadOptions options_;
  int64_t num_words_ = 0;
  int64_t first_document_ = 0;
  int64_t total_documents_ = 0;
  std::vector<int64_t> starts_;   // byte offset of each document's line
  std::vector<int32_t> lengths_;  // its length in bytes, without the '\n'
};

}  // namespace elbo::distributed
