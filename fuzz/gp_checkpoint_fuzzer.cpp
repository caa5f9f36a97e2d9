// libFuzzer harness: resuming `elbo fit gp` from a checkpoint. The input is the
// CBOR payload; the harness puts this run's fingerprint into it (so the fields
// behind the fingerprint check are reached), wraps it in a valid checksummed
// envelope, resumes a small SVGP and runs the remaining steps: whatever the
// loader accepts must be a state the fit can continue from.
#include <nlohmann/json.hpp>

#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihood.hpp"
#include "elbo/gp/svgp.hpp"
#include "elbo/gp/svgp_fit.hpp"
#include "elbo/io/cbor_reader.hpp"
#include "elbo/io/checksummed_file.hpp"
#include "fuzz_support.hpp"
#include "gp_checkpoint.hpp"

namespace {

namespace egp = elbo::gp;

constexpr int kRows = 10;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::json fingerprint = {{"harness", "gp_checkpoint_fuzzer"}};
  std::string payload(elbo::fuzz::bytes_of(data, size));
  nlohmann::json j;
  try {
    j = elbo::io::parse_cbor(payload, "fuzz input");
  } catch (const elbo::InputError&) {
  }
  if (j.is_object()) {
    j["fingerprint"] = fingerprint;
    const auto bytes = nlohmann::json::to_cbor(j);
    payload.assign(bytes.begin(), bytes.end());
  }
  const std::string path =
      elbo::fuzz::write_scratch("gp.ckpt", elbo::io::with_checksum("gp-checkpoint", payload));
  return elbo::fuzz::accept_clean_errors([&] {
    egp::Matrix X(kRows, 2);
    egp::Vector y(kRows);
    for (int i = 0; i < kRows; ++i) {
      X.row(i) << 0.3 * i - 1.5, (i % 3) - 1.0;
      y[i] = X(i, 0) * X(i, 0) - X(i, 1);
    }
    egp::Svgp model(egp::make_kernel("rbf", 2), egp::make_likelihood("gaussian", 0.1), X.topRows(4), 1e-6);
    egp::SvgpFitOptions options;
    options.method = egp::SvgpMethod::natural_gradient;
    options.batch_size = 4;
    options.steps = 30;
    egp::SvgpFitState state = egp::start_svgp_fit(kRows, options);
    elbo_cli::load_gp_checkpoint(path, fingerprint, model, state, options, kRows);
    egp::fit_svgp(model, X, y, options, state);
  });
}
