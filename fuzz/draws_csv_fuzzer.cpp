// libFuzzer harness: the reader of elbo's own CmdStan-style draws.csv (predict,
// report and the Python Fit read fits back with it).
#include "elbo/io/draws_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return elbo::fuzz::accept_clean_errors(
      [&] { elbo::io::parse_variational_csv(elbo::fuzz::bytes_of(data, size), "draws.csv"); });
}
