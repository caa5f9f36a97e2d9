// libFuzzer harness: the JSON data reader (Stan-style data files, fit --data x.json).
#include "elbo/io/json_data_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return elbo::fuzz::accept_clean_errors(
      [&] { elbo::io::parse_json_data(elbo::fuzz::bytes_of(data, size), "fuzz.json"); });
}
