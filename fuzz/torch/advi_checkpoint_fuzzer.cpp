// libFuzzer harness: resuming ADVI / gradient SVI from its checkpoint (elbo fit
// MODEL --resume: fit eight_schools, the regressions, Stan programs). The input
// is the torch archive inside a valid checksummed envelope — a file that passes
// the CRC but was written by another version, edited or forged — resumed as
// advi() does (Svi::resume) into the families and optimizers a run may use, then
// stepped through two ELBO evaluations. What the restore accepts must be a valid
// state: the steps may end in elbo's own errors, but λ stays finite.
#include <torch/torch.h>

#include <cstdlib>
#include <memory>

#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "archive_mutator.hpp"
#include "torch_fuzz_support.hpp"

namespace {

// The seeds are checkpoints of `elbo fit eight_schools` (D = 10). The loader
// checks only the dimension of the target, so a standard normal stands in.
constexpr int64_t kDim = 10;

class StandardNormal : public elbo::model::LogDensity {
 public:
  int64_t dim() const override { return kDim; }
  at::Tensor log_prob(const at::Tensor& theta, const elbo::model::Subsample&) const override {
    return -0.5 * theta.square().sum(1);
  }
};

struct Stop {};  // thrown by the progress callback: enough steps

void resume_and_step(const std::string& path, elbo::family::FamilyPtr q, const std::string& optimizer) {
  elbo::optim::OptimizerOptions o;
  o.method = optimizer;
  o.eta = optimizer == "stan" ? 1.0 : 0.03;
  o.schedule = "robbins_monro";
  elbo::infer::SviOptions s;  // advi_svi_defaults(), with evaluations every 2 steps
  s.eval_every = 2;
  s.eval_draws = 20;
  s.tol_rel_obj = 0.002;
  s.average_iterates = true;
  s.checkpoint_path = path;
  s.write_checkpoints = false;
  elbo::infer::Svi svi(std::make_shared<StandardNormal>(), q, std::make_shared<elbo::objective::ReparamElbo>(), o, s);
  svi.resume();
  int calls = 0;
  try {
    svi.run([&](const elbo::infer::SviProgress&) {
      if (++calls == 4) throw Stop{};
    });
  } catch (const Stop&) {
  }
  for (const auto& p : q->parameters()) {
    if (!torch::isfinite(p).all().item<bool>()) std::abort();  // accepted state that is not one
  }
}

}  // namespace

ELBO_FUZZ_ARCHIVE_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = elbo::fuzz::write_scratch(
      "svi.ckpt", elbo::io::with_checksum("svi-checkpoint", elbo::fuzz::bytes_of(data, size)));
  // The CLI's default (full-rank, Adam), the other optimizers' state formats,
  // and mean-field with Stan's step sequence.
  bool restored = false;
  for (const char* optimizer : {"adam", "stan", "rmsprop", "adagrad", "sgd"}) {
    restored |= elbo::fuzz::restores([&] {
      resume_and_step(path, std::make_shared<elbo::family::FullRankGaussian>(kDim), optimizer);
    });
  }
  restored |= elbo::fuzz::restores([&] {
    resume_and_step(path, std::make_shared<elbo::family::MeanFieldGaussian>(kDim), "stan");
  });
  elbo::fuzz::check_seed_restored(restored, size);
  return 0;
}
