// `elbo predict` for fit lda: the topic proportions E[θ_d] = γ_d / Σ_k γ_dk of
// new documents, each from its own E-step against the fitted topics λ (what
// scikit-learn calls transform): γ starts at 1 and is iterated with the fit's
// local settings (max iterations, tolerance), λ held fixed. Documents are read
// in the fit's corpus format; plain text is tokenised as the fit's was and mapped
// onto its vocabulary (unknown words are left out).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "elbo/conjugate/lda.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "elbo/io/text_corpus.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/utf8.hpp"
#include "elbo/io/uci_bow_reader.hpp"
#include "predict.hpp"
#include "saved_fields.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

namespace {

namespace conj = elbo::conjugate;

// One document per line, tokenised as `fit lda --format text` does, counted
// against the fit's vocabulary.
elbo::io::Corpus text_documents(const std::string& path, const std::vector<std::string>& vocabulary) {
  std::unordered_map<std::string, int32_t> ids;
  for (size_t i = 0; i < vocabulary.size(); ++i) ids.emplace(vocabulary[i], static_cast<int32_t>(i));
  elbo::io::Corpus corpus;
  corpus.source = path;
  corpus.num_words = static_cast<int64_t>(vocabulary.size());
  corpus.vocabulary = vocabulary;
  // Read as `fit lda --format text` reads: UTF-8, a leading byte-order mark dropped.
  const std::string text = elbo::io::read_text_file(path);
  elbo::io::require_utf8(text, path);
  std::istringstream lines{std::string(elbo::io::strip_utf8_bom(text))};
  std::string line;
  while (std::getline(lines, line)) {
    std::unordered_map<int32_t, double> counts;
    for (const auto& token : elbo::io::tokenize(line, /*lowercase=*/true)) {
      auto it = ids.find(token);
      if (it != ids.end()) counts[it->second] += 1;
    }
    std::vector<std::pair<int32_t, double>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end());
    std::vector<int32_t> w;
    std::vector<double> c;
    for (const auto& [id, n] : sorted) {
      w.push_back(id);
      c.push_back(n);
    }
    corpus.add_document(w, c);
  }
  if (corpus.num_docs() == 0) throw elbo::InputError(path, 0, "", "has no documents (one per line)");
  return corpus;
}

Eigen::MatrixXd read_matrix_csv(const std::string& path, int64_t rows, int64_t cols) {
  const auto table = elbo::io::read_csv(path);
  if (table.rows != rows || table.cols() != cols) {
    throw elbo::InputError(path, 0, "",
                           fmt::format("is {} x {} (after its header row), but the model has {} topics x {} words", table.rows,
                                       table.cols(), rows, cols));
  }
  Eigen::MatrixXd m(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      const double v = table.at(i, j);
      if (!(v > 0) || !std::isfinite(v)) {
        throw elbo::InputError(path, i + 2, table.columns[j], "is " + std::to_string(v) + ", but must be positive");
      }
      m(i, j) = v;
    }
  return m;
}

}  // namespace

void predict_lda(const nlohmann::json& saved, const PredictArgs& args) {
  const SavedFields f(saved, saved_model_path(saved));
  const int64_t K = f.integer("topics", 1, 1000000);
  const int64_t V = f.integer("words", 1, int64_t{1} << 31);
  const auto vocabulary = f.strings("vocabulary");
  const std::string format = args.format == "auto" ? f.string("corpus_format") : args.format;
  if (format != "text" && format != "ldac" && format != "uci") {
    f.fail("corpus_format", "is '" + format + "', but must be text, ldac or uci");
  }
  const std::string counts_file = f.string("topic_word_counts");
  const double alpha = f.number("alpha", std::numeric_limits<double>::min());
  const double eta = f.number("eta", std::numeric_limits<double>::min());
  const int64_t local_max_iterations = f.integer("local_max_iterations", 1, 1000000000);
  const double local_tolerance = f.number("local_tolerance", 0.0);
  const auto lambda = read_matrix_csv((std::filesystem::path(args.model_dir) / counts_file).string(), K, V);

  const auto keep = elbo::io::CorpusReadOptions().keep_empty_documents(true);
  elbo::io::Corpus docs;
  if (format == "text") {
    if (vocabulary.empty()) throw elbo::InputError(saved_model_path(saved), 0, "vocabulary", "is empty, so text cannot be mapped to word ids");
    docs = text_documents(args.data, vocabulary);
  } else if (format == "ldac") {
    docs = elbo::io::read_ldac(args.data, V, keep);
  } else {
    docs = elbo::io::read_uci_bow(args.data, "", keep);
  }
  if (docs.num_words > V) {
    throw elbo::InputError(args.data, 0, "", fmt::format("has {} words, but the fitted model has {}", docs.num_words, V));
  }
  docs.num_words = V;
  const int64_t M = docs.num_docs();

  conj::Lda model(std::move(docs), conj::LdaOptions()
                                       .num_topics(K)
                                       .alpha(alpha)
                                       .eta(eta)
                                       .local_max_iterations(local_max_iterations)
                                       .local_tolerance(local_tolerance)
                                       .local_init(conj::LdaLocalInit::cold)
                                       .threads(args.threads));
  model.set_topics_lambda(lambda);
  conj::Batch all(static_cast<size_t>(M));
  for (int64_t d = 0; d < M; ++d) all[static_cast<size_t>(d)] = d;
  model.local_step(all);
  const Eigen::MatrixXd& gamma = model.gamma();

  PredictionTable out;
  for (int64_t k = 0; k < K; ++k) {
    std::vector<double> theta(static_cast<size_t>(M));
    for (int64_t d = 0; d < M; ++d) theta[d] = gamma(d, k) / gamma.row(d).sum();
    out.add("topic_" + std::to_string(k), std::move(theta));
  }
  write_prediction_csv(out, args.output);
  if (!args.quiet && !args.output.empty()) {
    std::printf("inferred the topic proportions of %lld documents of %s: wrote %s\n", static_cast<long long>(M),
                args.data.c_str(), args.output.c_str());
  }
}

}  // namespace elbo_cli
