// libFuzzer harness: resuming data-parallel SVI from a checkpoint (fit lda and
// fit gmm --distributed or under mpirun, --resume), in one process. The input is
// the checkpoint's JSON payload inside a valid checksummed envelope — a file that
// passes the CRC but was written by another version, edited by hand or by a bug —
// resumed into LDA and into the Bayesian GMM, then stepped twice: whatever the
// restore accepts must be a valid state. The runs match fuzz/make_seeds.sh's
// (8 documents over 6 words, 10 x 2 points; K = 2, S = 4, seed 1).
#include <Eigen/Core>

#include "elbo/conjugate/bayes_gmm.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/distributed/communicator.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/sharded_gmm.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "fuzz_support.hpp"
#include "svi_fuzz_corpus.hpp"

namespace {

namespace conj = elbo::conjugate;
namespace dist = elbo::distributed;

void resume_and_step(conj::ConjugateModel& model, int64_t statistics_size, const std::string& path) {
  dist::SingleProcessCommunicator comm;
  dist::DistributedNaturalSvi svi(model, dist::shard_layout(model.num_data(), comm), comm,
                                  dist::DistributedSviOptions().batch_size(4).max_steps(1000).seed(1).statistics_size(
                                      statistics_size));
  svi.resume(path);
  svi.step();
  svi.step();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = elbo::fuzz::write_scratch(
      "distributed-svi.ckpt",
      elbo::io::with_checksum(dist::kDistributedSviCheckpointKind, elbo::fuzz::bytes_of(data, size)));
  elbo::fuzz::accept_clean_errors([&] {
    conj::Lda lda(elbo::fuzz::svi_fuzz_corpus(), conj::LdaOptions().num_topics(2).threads(1).local_init(conj::LdaLocalInit::cold));
    conj::Rng rng(1);
    lda.initialize(rng);
    resume_and_step(lda, lda.global_parameters().size(), path);
  });
  return elbo::fuzz::accept_clean_errors([&] {
    Eigen::MatrixXd X(10, 2);
    for (int i = 0; i < 10; ++i) X.row(i) << 0.3 * i - 1.0, (i % 3) - 1.0;
    conj::BayesGmm gmm(X, conj::BayesGmmOptions().num_components(2).threads(1));
    conj::Rng rng(1);
    gmm.initialize(rng);
    resume_and_step(gmm, dist::gmm_statistics_size(2, 2), path);
  });
}
