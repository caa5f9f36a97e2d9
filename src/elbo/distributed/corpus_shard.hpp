#pragma once
// This rank's documents of an LDA-C corpus (one document per line), read by byte
// range (line_shard.hpp), with the vocabulary size agreed over ranks.
#include <string>

#include "elbo/distributed/communicator.hpp"
#include "elbo/io/text_corpus.hpp"

namespace elbo::distributed {

struct CorpusShard {
  io::Corpus corpus;            // this rank's documents, num_words = the global V
  int64_t first_document = 0;   // global index of corpus's first document
  int64_t total_documents = 0;  // over all ranks
};

/// `vocabulary_size` ≤ 0: V = 1 + the largest word id on any rank. A malformed
/// line is an InputError naming the file, its global line and the rank; it is
/// raised after the collectives, so the CLI can abort the whole job.
CorpusShard read_ldac_shard(const std::string& path, int64_t vocabulary_size,
                            const io::CorpusReadOptions& options, Communicator& comm);

}  // namespace elbo::distributed
