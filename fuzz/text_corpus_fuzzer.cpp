// libFuzzer harness: the plain-text corpus reader (fit lda --format text):
// UTF-8 validation, tokenising, stop words, vocabulary pruning; and the same bytes
// as a vocabulary file (fit lda --vocab), one word per line.
#include "elbo/io/text_corpus.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto options = elbo::io::TextCorpusOptions()
                                  .stop_words(elbo::io::english_stop_words())
                                  .min_document_frequency(2)
                                  .max_document_fraction(0.9);
  const std::string text(elbo::fuzz::bytes_of(data, size));
  elbo::fuzz::accept_clean_errors([&] { elbo::io::parse_text_corpus(text, "fuzz.txt"); });
  elbo::fuzz::accept_clean_errors([&] { elbo::io::parse_vocabulary(text, "vocab.fuzz.txt"); });
  return elbo::fuzz::accept_clean_errors([&] { elbo::io::parse_text_corpus(text, "fuzz.txt", options); });
}
