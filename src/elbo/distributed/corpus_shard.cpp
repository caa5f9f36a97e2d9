#include "elbo/distributed/corpus_shard.hpp"

#include "elbo/core/error.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/line_shard.hpp"
#include "elbo/io/ldac_reader.hpp"

namespace elbo::distributed {

CorpusShard read_ldac_shard(const std::string& path, int64_t vocabulary_size,
                            const io::CorpusReadOptions& options, Communicator& comm) {
  const LineShard lines = read_line_shard(path, 0, comm);
  CorpusShard shard;
  std::exception_ptr error;
  try {
    shard.corpus = io::parse_ldac(lines.text, path, vocabulary_size, options);
    if (shard.corpus.num_docs() == 0) {
      throw InputError(path, 0, "", "no documents in this rank's shard of the " +
                                        std::to_string(lines.file_bytes) + "-byte file: use fewer ranks");
    }
  } catch (const InputError&) {
    error = std::current_exception();
  }
  std::vector<int64_t> num_words{error ? 0 : shard.corpus.num_words};
  agree_on_shards(error, lines, 0, num_words, comm);
  if (vocabulary_size <= 0) shard.corpus.num_words = num_words[0];
  const ShardLayout layout = shard_layout(shard.corpus.num_docs(), comm);
  shard.first_document = layout.first;
  shard.total_documents = layout.total;
  return shard;
}

}  // namespace elbo::distributed
