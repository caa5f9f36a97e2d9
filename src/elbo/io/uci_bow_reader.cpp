#include "elbo/io/uci_bow_reader.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <numeric>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::io {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool parse_int(std::string_view tok, int64_t& out) {
  if (tok.empty()) return false;
  const char* b = tok.data();
  const char* e = tok.data() + tok.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e;
}

std::string shown(std::string_view s) {
  if (s.size() > 40) return std::string(s.substr(0, 40)) + "...";
  return std::string(s);
}

struct Entry {
  int64_t doc;
  int32_t word;
  double count;
  long line;
};

}  // namespace

Corpus parse_uci_bow(std::string_view text, const std::string& source,
                     const CorpusReadOptions& options) {
  text = strip_utf8_bom(text);
  size_t pos = 0;
  long line = 0;
  // Returns the next non-blank line's tokens (up to 4) or false at end of text.
  std::string_view toks[4];
  int ntok = 0;
  auto next_line = [&]() -> bool {
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view row = text.substr(pos, end - pos);
      pos = end + 1;
      ++line;
      ntok = 0;
      size_t i = 0;
      while (i < row.size()) {
        while (i < row.size() && is_space(row[i])) ++i;
        const size_t b = i;
        while (i < row.size() && !is_space(row[i])) ++i;
        if (i > b) {
          if (ntok == 4) return true;  // too many: reported by caller via ntok = 4
          toks[ntok++] = row.substr(b, i - b);
        }
      }
      if (ntok > 0) return true;
    }
    return false;
  };

  const char* header_names[3] = {"D", "W", "NNZ"};
  int64_t header[3];
  for (int h = 0; h < 3; ++h) {
    if (!next_line()) {
      throw InputError(source, line, header_names[h], "missing header line (truncated file?)");
    }
    if (ntok != 1 || !parse_int(toks[0], header[h]) || header[h] <= 0) {
      throw InputError(source, line, header_names[h],
                       "header value \"" + shown(toks[0]) + "\" is not a positive integer");
    }
  }
  const int64_t D = header[0], W = header[1], NNZ = header[2];
  if (W > std::numeric_limits<int32_t>::max()) {
    throw InputError(source, 2, "W", "vocabulary size is too large");
  }
  std::vector<Entry> entries;
  // Each entry line takes at least 6 bytes ("1 1 1\n"): a header cannot reserve more.
  entries.reserve(static_cast<size_t>(std::min<int64_t>(NNZ, static_cast<int64_t>(text.size() / 6) + 1)));
  const char* fields[3] = {"docID", "wordID", "count"};
  while (next_line()) {
    if (static_cast<int64_t>(entries.size()) == NNZ) {
      throw InputError(source, line, "NNZ",
                       "the header declares " + std::to_string(NNZ) +
                           " entries but the file has more lines");
    }
    if (ntok != 3) {
      throw InputError(source, line, "", "expected \"docID wordID count\", found " +
                                             std::to_string(ntok == 4 ? 4 : ntok) + " fields");
    }
    int64_t v[3];
    for (int k = 0; k < 3; ++k) {
      if (!parse_int(toks[k], v[k])) {
        throw InputError(source, line, fields[k], "\"" + shown(toks[k]) + "\" is not an integer");
      }
    }
    if (v[0] < 1 || v[0] > D) {
      throw InputError(source, line, "docID", std::to_string(v[0]) + " is out of range [1, " +
                                                  std::to_string(D) + "] (header D)");
    }
    if (v[1] < 1 || v[1] > W) {
      throw InputError(source, line, "wordID", std::to_string(v[1]) + " is out of range [1, " +
                                                   std::to_string(W) + "] (header W)");
    }
    if (v[2] < 0) throw InputError(source, line, "count", std::to_string(v[2]) + " is negative");
    if (v[2] == 0) throw InputError(source, line, "count", "count is 0");
    entries.push_back({v[0] - 1, static_cast<int32_t>(v[1] - 1), static_cast<double>(v[2]), line});
  }
  if (static_cast<int64_t>(entries.size()) != NNZ) {
    throw InputError(source, line, "NNZ",
                     "the header declares " + std::to_string(NNZ) + " entries but the file has " +
                         std::to_string(entries.size()) + " (truncated file?)");
  }
  // Kept empty documents cost an offset each: a header's D cannot make us allocate
  // or loop far beyond what the entries hold.
  constexpr int64_t kMaxEmptyDocuments = 10000000;
  if (options.keep_empty_documents_ && D - NNZ > kMaxEmptyDocuments) {
    throw InputError(source, 1, "D", "declares " + std::to_string(D) + " documents but the file has entries for at most " +
                                         std::to_string(NNZ) + ": too many empty documents to keep");
  }
  // Sort by document, then by word (stable on lines); no array of size D.
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    if (x.doc != y.doc) return x.doc < y.doc;
    return x.word != y.word ? x.word < y.word : x.line < y.line;
  });
  Corpus corpus;
  corpus.source = source;
  corpus.num_words = W;
  corpus.word_ids.reserve(entries.size());
  corpus.counts.reserve(entries.size());
  int64_t next_doc = 0;  // documents [next_doc, upto) have no entries
  auto empty_documents_before = [&](int64_t upto) {
    if (upto == next_doc) return;
    if (options.keep_empty_documents_) {
      for (int64_t d = next_doc; d < upto; ++d) corpus.offsets.push_back(static_cast<int64_t>(corpus.word_ids.size()));
    } else if (options.skip_empty_documents_) {
      corpus.empty_documents_skipped += upto - next_doc;
    } else {
      throw InputError(source, 0, "docID",
                       "document " + std::to_string(next_doc + 1) + " of " + std::to_string(D) +
                           " has no entries (empty document); pass skip_empty_documents to drop "
                           "empty documents");
    }
  };
  for (size_t i = 0; i < entries.size();) {
    const int64_t doc = entries[i].doc;
    empty_documents_before(doc);
    size_t j = i;
    for (; j < entries.size() && entries[j].doc == doc; ++j) {
      if (j > i && entries[j - 1].word == entries[j].word) {
        throw InputError(source, entries[j].line, "wordID",
                         "(docID " + std::to_string(doc + 1) + ", wordID " + std::to_string(entries[j].word + 1) +
                             ") repeats line " + std::to_string(entries[j - 1].line));
      }
      corpus.word_ids.push_back(entries[j].word);
      corpus.counts.push_back(entries[j].count);
    }
    corpus.offsets.push_back(static_cast<int64_t>(corpus.word_ids.size()));
    next_doc = doc + 1;
    i = j;
  }
  empty_documents_before(D);
  if (corpus.num_docs() == 0) throw InputError(source, 0, "", "no documents");
  return corpus;
}

Corpus read_uci_bow(const std::string& docword_path, const std::string& vocab_path,
                    const CorpusReadOptions& options) {
  const std::string text = read_text_file(docword_path);
  Corpus corpus = parse_uci_bow(text, docword_path, options);
  if (!vocab_path.empty()) {
    corpus.vocabulary = read_vocabulary(vocab_path);
    if (static_cast<int64_t>(corpus.vocabulary.size()) != corpus.num_words) {
      throw InputError(vocab_path, 0, "", "has " + std::to_string(corpus.vocabulary.size()) +
                                              " words, but the docword header says W = " +
                                              std::to_string(corpus.num_words));
    }
  }
  return corpus;
}

}  // namespace elbo::io
