#pragma once
// Reader for the UCI bag-of-words format (docword.*.txt + vocab.*.txt, UCI ML
// repository "Bag of Words" data set): three header lines D (documents), W (words),
// NNZ (entries), then NNZ lines "docID wordID count", ids 1-based.
//
// Strict: every problem is an elbo::InputError naming file, line and field — a
// malformed or non-positive header value, more or fewer entry lines than NNZ
// (a truncated file), docID outside [1, D], wordID outside [1, W], a count that is
// negative, zero or not an integer, a repeated (docID, wordID) pair, a vocabulary
// file whose length is not W, and documents without entries unless
// skip_empty_documents. Word ids become 0-based in the Corpus.
#include <string>
#include <string_view>

#include "elbo/io/text_corpus.hpp"

namespace elbo::io {

/// `vocab_path` may be empty (no vocabulary).
Corpus read_uci_bow(const std::string& docword_path, const std::string& vocab_path = "",
                    const CorpusReadOptions& options = {});
Corpus parse_uci_bow(std::string_view text, const std::string& source,
                     const CorpusReadOptions& options = {});

}  // namespace elbo::io
