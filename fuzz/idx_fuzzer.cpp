// libFuzzer harness: the IDX image/label reader (train vae --data), raw and
// gzip-compressed (gunzip is bounded by the size the IDX header declares).
#include "elbo/io/idx_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = elbo::fuzz::bytes_of(data, size);
  elbo::fuzz::accept_clean_errors([&] { elbo::io::parse_idx(bytes, "fuzz-idx3-ubyte"); });
  return elbo::fuzz::accept_clean_errors([&] {
    const std::string raw = elbo::io::gunzip(bytes, "fuzz-idx3-ubyte.gz");
    elbo::io::parse_idx(raw, "fuzz-idx3-ubyte.gz");
  });
}
