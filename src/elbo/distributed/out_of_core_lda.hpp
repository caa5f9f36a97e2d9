#pragma once
// LDA on a corpus left on disk (disk_corpus_shard.hpp), as a ConjugateModel for the
// distributed drivers: a local step reads the batch's documents from the file,
// runs Lda's E-step on them from γ = 1 (LdaLocalInit::cold, so nothing per
// document is kept between steps) and lets them go. A batch of up to `block`
// documents is one E-step, so its statistics are bit-equal to an in-memory Lda's
// on the same documents in the same order; larger ones (the full-data passes of
// CAVI and of the ELBO) go in blocks of that size, summed, so memory stays at one
// block whatever the corpus size.
#include <cstdint>

#include "elbo/conjugate/lda.hpp"
#include "elbo/distributed/disk_corpus_shard.hpp"

namespace elbo::distributed {

class OutOfCoreLda : public conjugate::ConjugateModel {
 public:
  /// `options.local_init` must be cold (there are no stored γ to start from).
  OutOfCoreLda(DiskCorpusShard corpus, conjugate::LdaOptions options, int64_t block = 8192);

  std::string name() const override { return "lda"; }
  int64_t num_data() const override { return corpus_.num_docs(); }
  void initialize(conjugate::Rng& rng) override { lda_.initialize(rng); }
  const Eigen::VectorXd& global_parameters() const override { return lda_.global_parameters(); }
  void set_global_parameters(const Eigen::VectorXd& lambda) override { lda_.set_global_parameters(lambda); }
  void local_step(const conjugate::Batch& batch) override { local_step_statistics(batch); }
  /// The local factors are those of a cold E-step at the current λ, recomputed.
  conjugate::BatchStatistics expected_statistics(const conjugate::Batch& batch) const override;
  conjugate::BatchStatistics local_step_statistics(const conjugate::Batch& batch) override;
  Eigen::VectorXd global_step(const conjugate::BatchStatistics& stats, double scale) const override {
    return lda_.global_step(stats, scale);
  }
  void project_statistics(conjugate::BatchStatistics& stats) const override { lda_.project_statistics(stats); }
  double elbo(const conjugate::BatchStatistics& full) const override { return lda_.elbo(full); }
  std::optional<double> heldout_score() const override { return lda_.heldout_score(); }

  /// The LDA of the current batch: λ, priors, topics, held-out split.
  conjugate::Lda& lda() { return lda_; }
  const conjugate::Lda& lda() const { return lda_; }
  const DiskCorpusShard& corpus() const { return corpus_; }

 private:
  DiskCorpusShard corpus_;
  conjugate::LdaOptions options_;
  int64_t block_;
  conjugate::Lda lda_;  // holds the documents of the batch being processed
};

}  // namespace elbo::distributed
