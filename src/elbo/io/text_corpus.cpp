#include "elbo/io/text_corpus.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <unordered_map>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::io {

double Corpus::num_tokens() const { return std::accumulate(counts.begin(), counts.end(), 0.0); }

void Corpus::add_document(const std::vector<int32_t>& ids, const std::vector<double>& cts) {
  word_ids.insert(word_ids.end(), ids.begin(), ids.end());
  counts.insert(counts.end(), cts.begin(), cts.end());
  offsets.push_back(static_cast<int64_t>(word_ids.size()));
}

Corpus Corpus::subset(const std::vector<int64_t>& docs) const {
  Corpus out;
  out.source = source;
  out.num_words = num_words;
  out.vocabulary = vocabulary;
  for (int64_t d : docs) {
    out.word_ids.insert(out.word_ids.end(), word_ids.begin() + offsets[d],
                        word_ids.begin() + offsets[d + 1]);
    out.counts.insert(out.counts.end(), counts.begin() + offsets[d], counts.begin() + offsets[d + 1]);
    out.offsets.push_back(static_cast<int64_t>(out.word_ids.size()));
  }
  return out;
}

std::vector<std::string> read_vocabulary(const std::string& path) {
  return parse_vocabulary(read_text_file(path), path);
}

std::vector<std::string> parse_vocabulary(std::string_view text, const std::string& path) {
  text = strip_utf8_bom(text);
  // The words are the topics' word lists in summary.json and the reports.
  require_utf8(text, path);
  std::vector<std::string> words;
  size_t pos = 0;
  long line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string w(text.substr(pos, end - pos));
    ++line;
    if (!w.empty() && w.back() == '\r') w.pop_back();
    // trim spaces
    const auto first = w.find_first_not_of(" \t");
    const auto last = w.find_last_not_of(" \t");
    w = first == std::string::npos ? std::string() : w.substr(first, last - first + 1);
    if (w.empty()) {
      if (end < text.size() && text.find_first_not_of(" \t\r\n", end) != std::string_view::npos) {
        throw InputError(path, line, "word", "empty vocabulary entry");
      }
    } else {
      words.push_back(std::move(w));
    }
    pos = end + 1;
  }
  if (words.empty()) throw InputError(path, 0, "", "vocabulary file is empty");
  return words;
}

std::unordered_set<std::string> english_stop_words() {
  static const char* const kWords[] = {
      "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any",
      "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
      "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
      "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
      "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into",
      "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor",
      "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
      "ourselves", "out", "over", "own", "said", "same", "she", "should", "so", "some",
      "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
      "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
      "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
      "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself",
      "yourselves", "also", "s", "t", "mr", "mrs", "one", "two", "new"};
  return {std::begin(kWords), std::end(kWords)};
}

std::vector<std::string> tokenize(const std::string& text, bool lowercase) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    // strip leading/trailing apostrophes
    size_t b = 0, e = cur.size();
    while (b < e && cur[b] == '\'') ++b;
    while (e > b && cur[e - 1] == '\'') --e;
    if (e > b) out.emplace_back(cur.substr(b, e - b));
    cur.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '\'' || c >= 0x80) {
      cur.push_back(lowercase ? static_cast<char>(std::tolower(c)) : static_cast<char>(c));
    } else if (!cur.empty()) {
      flush();
    }
  }
  if (!cur.empty()) flush();
  return out;
}

Corpus parse_text_corpus(const std::string& file_text, const std::string& source,
                         const TextCorpusOptions& options) {
  // Tokens become the vocabulary, written to summary.json and the reports.
  const std::string_view text = strip_utf8_bom(file_text);
  require_utf8(text, source);
  // Pass 1: tokenise every line and count words.
  std::vector<std::vector<std::string>> docs;
  std::vector<long> lines;
  size_t pos = 0;
  long line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    std::vector<std::string> toks;
    for (auto& t : tokenize(std::string(text.substr(pos, end - pos)), options.lowercase_)) {
      if (static_cast<int>(t.size()) < options.min_token_length_) continue;
      if (options.stop_words_.count(t)) continue;
      toks.push_back(std::move(t));
    }
    const bool blank_tail = end >= text.size() - 1 &&
                            text.find_first_not_of(" \t\r\n", pos) == std::string_view::npos;
    if (!blank_tail) {
      docs.push_back(std::move(toks));
      lines.push_back(line);
    }
    pos = end + 1;
  }
  std::unordered_map<std::string, int64_t> doc_freq, total;
  for (const auto& d : docs) {
    std::unordered_set<std::string> seen(d.begin(), d.end());
    for (const auto& w : seen) ++doc_freq[w];
    for (const auto& w : d) ++total[w];
  }
  const double n_docs = static_cast<double>(docs.size());
  std::vector<std::string> kept;
  for (const auto& [w, df] : doc_freq) {
    if (df < options.min_document_frequency_) continue;
    if (static_cast<double>(df) > options.max_document_fraction_ * n_docs) continue;
    kept.push_back(w);
  }
  if (options.max_vocabulary_ > 0 && static_cast<int64_t>(kept.size()) > options.max_vocabulary_) {
    std::sort(kept.begin(), kept.end(), [&](const std::string& a, const std::string& b) {
      return total[a] != total[b] ? total[a] > total[b] : a < b;
    });
    kept.resize(static_cast<size_t>(options.max_vocabulary_));
  }
  std::sort(kept.begin(), kept.end());
  std::unordered_map<std::string, int32_t> index;
  for (size_t i = 0; i < kept.size(); ++i) index[kept[i]] = static_cast<int32_t>(i);

  Corpus corpus;
  corpus.source = source;
  corpus.num_words = static_cast<int64_t>(kept.size());
  corpus.vocabulary = kept;
  for (size_t d = 0; d < docs.size(); ++d) {
    std::map<int32_t, double> bag;
    for (const auto& w : docs[d]) {
      auto it = index.find(w);
      if (it != index.end()) bag[it->second] += 1.0;
    }
    if (bag.empty()) {
      if (options.read_.skip_empty_documents_) {
        ++corpus.empty_documents_skipped;
        continue;
      }
      throw InputError(source, lines[d], "document",
                       "empty document (no tokens left after stop words and vocabulary "
                       "pruning); pass skip_empty_documents to drop such documents");
    }
    std::vector<int32_t> ids;
    std::vector<double> cts;
    for (const auto& [id, c] : bag) {
      ids.push_back(id);
      cts.push_back(c);
    }
    corpus.add_document(ids, cts);
  }
  if (corpus.num_docs() == 0) throw InputError(source, 0, "", "no documents");
  return corpus;
}

Corpus read_text_corpus(const std::string& path, const TextCorpusOptions& options) {
  return parse_text_corpus(read_text_file(path), path, options);
}

}  // namespace elbo::io
