// libFuzzer harness: resuming natural-gradient SVI from a checkpoint (fit lda and
// fit gmm --resume). The input is the checkpoint's JSON payload inside a valid
// checksummed envelope — a file that passes the CRC but was written by another
// version, edited by hand or by a bug — resumed into LDA and into the Bayesian
// GMM, then stepped twice: whatever the restore accepts must be a valid state.
#include <Eigen/Core>

#include "elbo/conjugate/bayes_gmm.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "fuzz_support.hpp"
#include "svi_fuzz_corpus.hpp"

namespace {

namespace conj = elbo::conjugate;

void resume_and_step(conj::ConjugateModel& model, const std::string& path) {
  conj::NaturalSvi svi(model, conj::NaturalSviOptions().batch_size(4).max_steps(1000).seed(1));
  svi.resume(path);
  svi.step();
  svi.step();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = elbo::fuzz::write_scratch(
      "natural-svi.ckpt", elbo::io::with_checksum("natural-svi-checkpoint", elbo::fuzz::bytes_of(data, size)));
  elbo::fuzz::accept_clean_errors([&] {
    conj::Lda lda(elbo::fuzz::svi_fuzz_corpus(), conj::LdaOptions().num_topics(2).threads(1));
    conj::Rng rng(1);
    lda.initialize(rng);
    resume_and_step(lda, path);
  });
  return elbo::fuzz::accept_clean_errors([&] {
    Eigen::MatrixXd X(10, 2);
    for (int i = 0; i < 10; ++i) X.row(i) << 0.3 * i - 1.0, (i % 3) - 1.0;
    conj::BayesGmm gmm(X, conj::BayesGmmOptions().num_components(2).threads(1));
    conj::Rng rng(1);
    gmm.initialize(rng);
    resume_and_step(gmm, path);
  });
}
