#pragma once
// The small LDA corpus the SVI checkpoint harnesses resume into: a checkpoint's
// λ must match its 2 topics × 6 words, and its 8 documents fix num_data.
#include "elbo/io/text_corpus.hpp"

namespace elbo::fuzz {

inline io::Corpus svi_fuzz_corpus() {
  io::Corpus c;
  c.source = "fuzz corpus";
  c.num_words = 6;
  for (int d = 0; d < 8; ++d) c.add_document({d % 6, (d + 1) % 6, (d + 3) % 6}, {1.0 + d % 3, 2.0, 1.0});
  return c;
}

}  // namespace elbo::fuzz
