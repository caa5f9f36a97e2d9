// libFuzzer harness: the UCI bag-of-words reader (fit lda --format uci).
#include "elbo/io/uci_bow_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return elbo::fuzz::accept_clean_errors(
      [&] { elbo::io::parse_uci_bow(elbo::fuzz::bytes_of(data, size), "docword.fuzz.txt"); });
}
