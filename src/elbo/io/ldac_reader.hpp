#pragma once
// Reader for the LDA-C sparse document format of Blei's lda-c
// (one document per line: "N id:count id:count ..." with N distinct word ids,
// ids 0-based), e.g. the AP corpus (ap.dat).
//
// Strict: every problem is an elbo::InputError naming file, line and field —
// the number of pairs disagreeing with N (including a truncated last line), a
// malformed pair, a word id outside [0, V) when the vocabulary size V is known
// (else V = largest id + 1), a repeated word id, a count that is negative, zero or
// not an integer, and empty documents (N = 0) unless skip_empty_documents.
#include <string>
#include <string_view>

#include "elbo/io/text_corpus.hpp"

namespace elbo::io {

/// `vocabulary_size` ≤ 0: infer V from the largest word id.
Corpus read_ldac(const std::string& path, int64_t vocabulary_size = 0,
                 const CorpusReadOptions& options = {});
/// `text` holds lines first_line, first_line + 1, ... of `source` (for messages).
Corpus parse_ldac(std::string_view text, const std::string& source, int64_t vocabulary_size = 0,
                  const CorpusReadOptions& options = {}, long first_line = 1);

}  // namespace elbo::io
