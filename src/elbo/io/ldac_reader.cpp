#include "elbo/io/ldac_reader.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::io {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string shown(std::string_view s) {
  if (s.size() > 40) return std::string(s.substr(0, 40)) + "...";
  return std::string(s);
}

// Parses a whole token as an integer; false if it is not one.
bool parse_int(std::string_view tok, int64_t& out) {
  if (tok.empty()) return false;
  const char* b = tok.data();
  const char* e = tok.data() + tok.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e;
}

}  // namespace

Corpus parse_ldac(std::string_view text, const std::string& source, int64_t vocabulary_size,
                  const CorpusReadOptions& options, long first_line) {
  // A byte-order mark can only start the file, not a shard of it.
  if (first_line == 1) text = strip_utf8_bom(text);
  Corpus corpus;
  corpus.source = source;
  int64_t max_id = -1;
  std::vector<int32_t> ids;
  std::vector<double> cts;
  size_t pos = 0;
  long line = first_line - 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view row = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    // tokens
    size_t i = 0;
    auto next = [&]() -> std::string_view {
      while (i < row.size() && is_space(row[i])) ++i;
      const size_t b = i;
      while (i < row.size() && !is_space(row[i])) ++i;
      return row.substr(b, i - b);
    };
    std::string_view head = next();
    if (head.empty()) {
      if (text.find_first_not_of(" \t\r\n", std::min(pos, text.size())) == std::string_view::npos ||
          pos >= text.size()) {
        break;  // blank lines at the end
      }
      throw InputError(source, line, "N", "blank line (expected \"N id:count ...\")");
    }
    int64_t n = 0;
    if (!parse_int(head, n) || n < 0) {
      throw InputError(source, line, "N", "\"" + shown(head) + "\" is not a nonnegative integer");
    }
    ids.clear();
    cts.clear();
    for (;;) {
      std::string_view tok = next();
      if (tok.empty()) break;
      const size_t colon = tok.find(':');
      const std::string pair_field = "pair " + std::to_string(ids.size() + 1);
      if (colon == std::string_view::npos) {
        throw InputError(source, line, pair_field, "\"" + shown(tok) + "\" is not id:count");
      }
      int64_t id = 0, count = 0;
      if (!parse_int(tok.substr(0, colon), id)) {
        throw InputError(source, line, pair_field,
                         "word id \"" + shown(tok.substr(0, colon)) + "\" is not an integer");
      }
      std::string_view cs = tok.substr(colon + 1);
      if (!parse_int(cs, count)) {
        throw InputError(source, line, pair_field,
                         "count \"" + shown(cs) + "\" is not an integer");
      }
      if (id < 0 || (vocabulary_size > 0 && id >= vocabulary_size)) {
        throw InputError(source, line, pair_field,
                         "word id " + std::to_string(id) + " is out of range [0, " +
                             (vocabulary_size > 0 ? std::to_string(vocabulary_size) : "inf") + ")");
      }
      if (count < 0) {
        throw InputError(source, line, pair_field, "count " + std::to_string(count) + " is negative");
      }
      if (count == 0) {
        throw InputError(source, line, pair_field, "count is 0 (pairs list words that occur)");
      }
      if (id > std::numeric_limits<int32_t>::max()) {
        throw InputError(source, line, pair_field, "word id " + std::to_string(id) + " is too large");
      }
      max_id = std::max(max_id, id);
      ids.push_back(static_cast<int32_t>(id));
      cts.push_back(static_cast<double>(count));
    }
    if (static_cast<int64_t>(ids.size()) != n) {
      throw InputError(source, line, "N",
                       "the line declares " + std::to_string(n) + " id:count pairs but has " +
                           std::to_string(ids.size()) +
                           (pos >= text.size() ? " (truncated file?)" : ""));
    }
    if (n == 0 && !options.keep_empty_documents_) {
      if (options.skip_empty_documents_) {
        ++corpus.empty_documents_skipped;
        continue;
      }
      throw InputError(source, line, "N", "empty document (N = 0); pass skip_empty_documents "
                                          "to drop empty documents");
    }
    // Sorting ids within a document makes later access to the word table monotone.
    std::vector<size_t> order(ids.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
    // Duplicates are neighbours once sorted (no table indexed by word id: an id
    // of 2·10⁹ in a small file must not allocate gigabytes).
    for (size_t k = 1; k < order.size(); ++k) {
      if (ids[order[k]] == ids[order[k - 1]]) {
        throw InputError(source, line, "pair " + std::to_string(std::max(order[k], order[k - 1]) + 1),
                         "word id " + std::to_string(ids[order[k]]) + " appears twice in the document");
      }
    }
    for (size_t k : order) {
      corpus.word_ids.push_back(ids[k]);
      corpus.counts.push_back(cts[k]);
    }
    corpus.offsets.push_back(static_cast<int64_t>(corpus.word_ids.size()));
  }
  if (corpus.num_docs() == 0) throw InputError(source, 0, "", "no documents");
  corpus.num_words = vocabulary_size > 0 ? vocabulary_size : max_id + 1;
  return corpus;
}

Corpus read_ldac(const std::string& path, int64_t vocabulary_size,
                 const CorpusReadOptions& options) {
  const std::string text = read_text_file(path);
  return parse_ldac(text, path, vocabulary_size, options);
}

}  // namespace elbo::io
