// libFuzzer harness: the LDA-C corpus reader (fit lda --format ldac), with the
// vocabulary size inferred and, as predict does, given.
#include "elbo/io/ldac_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto text = elbo::fuzz::bytes_of(data, size);
  elbo::fuzz::accept_clean_errors([&] { elbo::io::parse_ldac(text, "fuzz.dat"); });
  const auto keep = elbo::io::CorpusReadOptions().keep_empty_documents(true);
  return elbo::fuzz::accept_clean_errors([&] { elbo::io::parse_ldac(text, "fuzz.dat", 1000, keep); });
}
