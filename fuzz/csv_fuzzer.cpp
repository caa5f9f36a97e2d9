// libFuzzer harness: the CSV data reader (elbo fit --data, predict --data).
#include "elbo/io/csv_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return elbo::fuzz::accept_clean_errors([&] { elbo::io::parse_csv(elbo::fuzz::bytes_of(data, size), "fuzz.csv"); });
}
