#include "elbo/distributed/out_of_core_lda.hpp"

#include <algorithm>
#include <numeric>

#include "elbo/core/error.hpp"

namespace elbo::distributed {

namespace conj = elbo::conjugate;

OutOfCoreLda::OutOfCoreLda(DiskCorpusShard corpus, conj::LdaOptions options, int64_t block)
    : corpus_(std::move(corpus)),
      options_(std::move(options)),
      block_(block),
      lda_(corpus_.read({0}), options_) {
  if (options_.local_init_ != conj::LdaLocalInit::cold) {
    throw ConfigError("out-of-core lda: the local step must start cold (no γ is stored between steps)");
  }
  if (block_ < 1) throw ConfigError("out-of-core lda: block must be at least 1");
}

conj::BatchStatistics OutOfCoreLda::local_step_statistics(const conj::Batch& batch) {
  conj::BatchStatistics total;
  total.sufficient = Eigen::VectorXd::Zero(global_parameters().size());
  for (size_t begin = 0; begin < batch.size(); begin += static_cast<size_t>(block_)) {
    const size_t end = std::min(batch.size(), begin + static_cast<size_t>(block_));
    const conj::Batch docs(batch.begin() + static_cast<std::ptrdiff_t>(begin),
                           batch.begin() + static_cast<std::ptrdiff_t>(end));
    lda_.set_documents(corpus_.read(docs));
    conj::Batch all(docs.size());
    std::iota(all.begin(), all.end(), int64_t{0});
    conj::BatchStatistics part = lda_.local_step_statistics(all);
    if (batch.size() <= static_cast<size_t>(block_)) return part;  // one block: exactly Lda's result
    total.sufficient += part.sufficient;
    total.local_bound += part.local_bound;
    total.size += part.size;
  }
  return total;
}

conj::BatchStatistics OutOfCoreLda::expected_statistics(const conj::Batch& batch) const {
  OutOfCoreLda copy = *this;  // λ and one block of documents; the file is only read
  return copy.local_step_statistics(batch);
}

}  // namespace elbo::distributed
