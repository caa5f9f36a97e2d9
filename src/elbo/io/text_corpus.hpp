#pragma once
// A bag-of-words corpus in compressed sparse rows, the input of the topic models,
// and the plain-text corpus reader. The LDA-C and UCI bag-of-words readers
// (ldac_reader.hpp, uci_bow_reader.hpp) produce the same Corpus.
//
// Empty documents (no tokens) are an InputError by default, naming the document;
// with CorpusReadOptions::skip_empty_documents they are dropped and counted in
// Corpus::empty_documents_skipped (so document indices then refer to the kept ones);
// with keep_empty_documents they are kept as documents without entries (for the
// halves of a document-completion split, where a short document may have none).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace elbo::io {

struct Corpus {
  std::string source;                    // file name for messages
  int64_t num_words = 0;                 // vocabulary size V (word ids are 0..V−1)
  std::vector<int64_t> offsets{0};       // document d is entries [offsets[d], offsets[d+1])
  std::vector<int32_t> word_ids;         // distinct within a document
  std::vector<double> counts;            // positive integers
  std::vector<std::string> vocabulary;   // empty, or V words
  int64_t empty_documents_skipped = 0;

  int64_t num_docs() const { return static_cast<int64_t>(offsets.size()) - 1; }
  int64_t num_entries() const { return static_cast<int64_t>(word_ids.size()); }
  /// Σ of all counts.
  double num_tokens() const;
  /// Appends a document given as parallel arrays (no checks).
  void add_document(const std::vector<int32_t>& ids, const std::vector<double>& cts);
  /// The documents at `docs`, in that order (vocabulary shared).
  Corpus subset(const std::vector<int64_t>& docs) const;
};

struct CorpusReadOptions {
  CorpusReadOptions& skip_empty_documents(bool v) { skip_empty_documents_ = v; return *this; }
  CorpusReadOptions& keep_empty_documents(bool v) { keep_empty_documents_ = v; return *this; }
  bool skip_empty_documents_ = false;
  bool keep_empty_documents_ = false;
};

/// Reads a vocabulary file: one word per line (a trailing empty line is ignored),
/// UTF-8 (an InputError names the line and column of an invalid byte; a leading
/// byte-order mark is skipped).
std::vector<std::string> read_vocabulary(const std::string& path);
/// The same on the file's contents; `path` names them in messages.
std::vector<std::string> parse_vocabulary(std::string_view text, const std::string& path);

struct TextCorpusOptions {
  TextCorpusOptions& lowercase(bool v) { lowercase_ = v; return *this; }
  TextCorpusOptions& min_token_length(int v) { min_token_length_ = v; return *this; }
  TextCorpusOptions& stop_words(std::unordered_set<std::string> v) { stop_words_ = std::move(v); return *this; }
  /// Drop words occurring in fewer than this many documents.
  TextCorpusOptions& min_document_frequency(int64_t v) { min_document_frequency_ = v; return *this; }
  /// Drop words occurring in more than this fraction of documents.
  TextCorpusOptions& max_document_fraction(double v) { max_document_fraction_ = v; return *this; }
  /// Keep at most this many words, by decreasing corpus frequency (0: all).
  TextCorpusOptions& max_vocabulary(int64_t v) { max_vocabulary_ = v; return *this; }
  TextCorpusOptions& read(CorpusReadOptions v) { read_ = v; return *this; }

  bool lowercase_ = true;
  int min_token_length_ = 2;
  std::unordered_set<std::string> stop_words_;
  int64_t min_document_frequency_ = 1;
  double max_document_fraction_ = 1.0;
  int64_t max_vocabulary_ = 0;
  CorpusReadOptions read_;
};

/// A small English stop-word list (articles, pronouns, auxiliaries, prepositions).
std::unordered_set<std::string> english_stop_words();

/// Tokenises `text` into maximal runs of letters/digits/apostrophes (ASCII; other
/// bytes, including UTF-8 sequences, are kept inside tokens), lowercased if asked.
std::vector<std::string> tokenize(const std::string& text, bool lowercase);

/// One document per line; tokenise, drop stop words and short tokens, prune the
/// vocabulary, and build the corpus (vocabulary sorted alphabetically). A document
/// left empty after pruning counts as an empty document. The text must be UTF-8
/// (an InputError names the line and column of an invalid byte); a leading
/// byte-order mark is skipped.
Corpus read_text_corpus(const std::string& path, const TextCorpusOptions& options = {});
Corpus parse_text_corpus(const std::string& text, const std::string& source,
                         const TextCorpusOptions& options = {});

}  // namespace elbo::io
