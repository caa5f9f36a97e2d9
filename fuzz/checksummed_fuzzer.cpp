// libFuzzer harness: the checksummed envelope of every checkpoint and saved
// archive (kind, length, CRC-32), on raw bytes: flipped, truncated, forged headers.
#include "elbo/io/checksummed_file.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return elbo::fuzz::accept_clean_errors([&] {
    elbo::io::verified_payload(std::string(elbo::fuzz::bytes_of(data, size)), "natural-svi-checkpoint",
                               "fuzz.ckpt");
  });
}
