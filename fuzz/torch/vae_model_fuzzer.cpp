// libFuzzer harness: a saved VAE (model.pt of `elbo train vae`), loaded as
// `elbo eval vae` and `elbo predict` do (load_vae) and then used: the
// importance-sampled log-likelihood and active units of eval vae, the encoder
// means of predict. The input is the torch archive inside a valid checksummed
// envelope (a file that passes the CRC but was written by another version,
// edited or forged). What load_vae accepts must be the model its options
// describe: every parameter of that model's shape, dtype and finite.
#include <torch/torch.h>

#include <cstdlib>

#include "elbo/amortized/evaluate.hpp"
#include "elbo/amortized/vae.hpp"
#include "elbo/core/random.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "archive_mutator.hpp"
#include "torch_fuzz_support.hpp"

namespace am = elbo::amortized;

namespace {

void check_is_its_model(const am::Vae& vae) {
  const am::Vae fresh(vae->options());
  const auto loaded = vae->named_parameters(), expected = fresh->named_parameters();
  if (loaded.size() != expected.size()) std::abort();
  for (const auto& e : expected) {
    const at::Tensor* p = loaded.find(e.key());
    if (!p || !p->sizes().equals(e.value().sizes()) || p->scalar_type() != e.value().scalar_type() ||
        !torch::isfinite(*p).all().item<bool>()) {
      std::abort();  // accepted parameters that are not this model's
    }
  }
}

}  // namespace

ELBO_FUZZ_ARCHIVE_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = elbo::fuzz::write_scratch(
      "model.pt", elbo::io::with_checksum("torch-archive", elbo::fuzz::bytes_of(data, size)));
  elbo::fuzz::check_seed_restored(elbo::fuzz::restores([&] {
    am::Vae vae = am::load_vae(path);
    check_is_its_model(vae);
    vae->eval();
    const int64_t pixels = vae->options().input();
    auto gen = elbo::make_generator(1);
    const auto dtype = vae->encoder()->net()->output_layer()->weight.scalar_type();
    const at::Tensor x = torch::rand({3, pixels}, gen, torch::kFloat).round().to(dtype);
    am::importance_log_likelihood(vae, x, am::LogLikelihoodOptions().samples(4).chunk(2).batch(2), gen);
    am::active_units(vae, x);
    torch::NoGradGuard no_grad;
    if (!vae->encoder()->mean(x).sizes().equals({3, vae->options().latent()})) std::abort();
  }), size);
  return 0;
}
