#include "elbo/io/uci_bow_reader.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <numeric>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"

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
  entries.reserve(static_cast<size_t>(std::min<int64_t>(NNZ, 1 << 26)));
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
  // Counting sort by document, then by word within a document (stable on lines).
  std::vector<int64_t> per_doc(static_cast<size_t>(D) + 1, 0);
  for (const auto& e : entries) ++per_doc[static_cast<size_t>(e.doc) + 1];
  std::partial_sum(per_doc.begin(), per_doc.end(), per_doc.begin());
  std::vector<Entry> sorted(entries.size());
  {
    std::vector<int64_t> fill(per_doc.begin(), per_doc.end() - 1);
    for (const auto& e : entries) sorted[static_cast<size_t>(fill[static_cast<size_t>(e.doc)]++)] = e;
  }
  Corpus corpus;
  corpus.source = source;
  corpus.num_words = W;
  corpus.word_ids.reserve(sorted.size());
  corpus.counts.reserve(sorted.size());
  for (int64_t d = 0; d < D; ++d) {
    auto b = sorted.begin() + per_doc[static_cast<size_t>(d)];
    auto e = sorted.begin() + per_doc[static_cast<size_t>(d) + 1];
    if (b == e && !options.keep_empty_documents_) {
      if (options.skip_empty_documents_) {
        ++corpus.empty_documents_skipped;
        continue;
      }
      throw InputError(source, 0, "docID",
                       "document " + std::to_string(d + 1) + " of " + std::to_string(D) +
                           " has no entries (empty document); pass skip_empty_documents to drop "
                           "empty documents");
    }
    std::sort(b, e, [](const Entry& x, const Entry& y) {
      return x.word != y.word ? x.word < y.word : x.line < y.line;
    });
    for (auto it = b; it != e; ++it) {
      if (it != b && (it - 1)->word == it->word) {
        throw InputError(source, it->line, "wordID",
                         "(docID " + std::to_string(d + 1) + ", wordID " +
                             std::to_string(it->word + 1) + ") repeats line " +
                             std::to_string((it - 1)->line));
      }
      corpus.word_ids.push_back(it->word);
      corpus.counts.push_back(it->count);
    }
    corpus.offsets.push_back(static_cast<int64_t>(corpus.word_ids.size()));
  }
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
