// libFuzzer harness: resuming `elbo train vae --resume` from its training
// checkpoint (model, Adam state, RNG, counters, history). The input is the torch
// archive inside a valid checksummed envelope (a file that passes the CRC but
// was written by another version, edited or forged), restored by
// VaeTrainer::load_state into the runs the seeds come from (make_seeds.sh),
// then trained to the end of its epochs as the CLI does. What the restore
// accepts must be a valid state: training may end in elbo's own errors, but the
// parameters keep their shapes and stay finite.
#include <torch/torch.h>

#include <cstdlib>

#include "elbo/amortized/trainer.hpp"
#include "elbo/amortized/vae.hpp"
#include "elbo/core/random.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "archive_mutator.hpp"
#include "torch_fuzz_support.hpp"

namespace am = elbo::amortized;

namespace {

// make_seeds.sh's `elbo train vae` runs on 8 x 8 images: --latent 2 --hidden 8
// --batch-size 10 --epochs 2, and their variations below (the checkpoint's
// signature must match the run that resumes it).
struct Run {
  am::VaeOptions vae;
  const char* objective;
  bool dynamic;
};

am::VaeOptions tiny() { return am::VaeOptions(64, 2).hidden({8}).image_rows(8).image_cols(8); }

// The parameters keep the model's shapes and dtypes and are finite.
void check_parameters(const am::Vae& vae, const std::vector<at::Tensor>& like) {
  const auto params = vae->parameters();
  if (params.size() != like.size()) std::abort();
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].sizes().equals(like[i].sizes()) || params[i].scalar_type() != like[i].scalar_type() ||
        !torch::isfinite(params[i]).all().item<bool>()) {
      std::abort();  // accepted a state that is not this model's
    }
  }
}

void resume_and_train(const std::string& path, const Run& run) {
  torch::manual_seed(1);
  am::Vae vae(run.vae);
  std::vector<at::Tensor> like;
  for (const auto& p : vae->parameters()) like.push_back(p.detach().clone());
  am::VaeTrainer trainer(vae, am::TrainOptions()
                                  .epochs(3)
                                  .batch_size(10)
                                  .objective(am::parse_objective(run.objective))
                                  .dynamic_binarization(run.dynamic)
                                  .seed(1));
  trainer.load_state(path);
  check_parameters(trainer.vae(), like);
  auto gen = elbo::make_generator(7);
  trainer.train(torch::rand({20, 64}, gen, torch::kFloat));
  check_parameters(trainer.vae(), like);
}

}  // namespace

ELBO_FUZZ_ARCHIVE_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = elbo::fuzz::write_scratch(
      "vae.ckpt", elbo::io::with_checksum("torch-archive", elbo::fuzz::bytes_of(data, size)));
  const Run runs[] = {
      {tiny(), "elbo", true},
      {tiny().flow(am::FlowKind::Iaf).flow_length(2).prior_components(3), "iwae:2", true},
      {tiny().covariance(am::Covariance::Cholesky).likelihood(am::Likelihood::Gaussian).latent2(2).hidden2({4}),
       "elbo", false},
  };
  bool restored = false;
  for (const auto& run : runs) restored |= elbo::fuzz::restores([&] { resume_and_train(path, run); });
  elbo::fuzz::check_seed_restored(restored, size);
  return 0;
}
