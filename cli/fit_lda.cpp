// `elbo fit lda`: latent Dirichlet allocation on a bag-of-words corpus (LDA-C or
// UCI docword format) by CAVI, natural-gradient SVI, or collapsed VI (CVB0/SCVB0);
// prints the top words per topic and the held-out perplexity (document completion)
// and writes topics.csv, topics.json and summary.json to --output, and for
// `elbo predict` model.json, topic_word_counts.csv (and doc_topics.csv with CAVI).
// Under `mpirun -np N` (N > 1) or with --distributed, SVI and CAVI run data-parallel
// (src/elbo/distributed): each rank reads its byte range of an LDA-C corpus, one
// allreduce of the statistics per step, rank 0 writes the outputs and checkpoints.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "memory_budget.hpp"
#include "option_validators.hpp"
#include "svi_steps.hpp"
#include "next_step.hpp"
#include "saved_model.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/cvb0.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/core/error.hpp"
#include "elbo/distributed/communicator.hpp"
#include "elbo/distributed/corpus_shard.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/mpi_session.hpp"
#include "elbo/distributed/out_of_core_lda.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/json_writer.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "elbo/io/progress_bar.hpp"
#include "elbo/io/text_corpus.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/uci_bow_reader.hpp"

namespace elbo_cli {

namespace {

namespace conj = elbo::conjugate;
using Clock = std::chrono::steady_clock;

struct LdaArgs {
  std::string docword, vocab, format = "auto", method = "svi", output, checkpoint;
  std::string heldout_observed, heldout_evaluated;
  int64_t topics = 0;
  double max_memory = 0;  // --max-memory (bytes)
  double alpha = 0, eta = 0;
  int64_t batch_size = 256;
  double tau0 = 1.0, kappa = 0.7;
  int threads = 0;
  uint64_t seed = 1;
  int64_t max_iter = 0;
  double passes = 0;
  double tol = 1e-5;
  double heldout_fraction = 0.1;
  int64_t top_words = 10;
  int64_t eval_every = 0;
  int64_t checkpoint_every = 0;
  bool resume = false, adaptive_rate = false, adaptive_batch = false, streaming = false;
  bool importance = false;
  int64_t window = 1, svrg_every = 0;
  bool skip_empty = false, no_progress = false, quiet = false, report = false;
  bool distributed = false;
  bool out_of_core = false;
  std::string local_init = "cold";
  std::string sampling = "reshuffle";
  int64_t local_max_iter = 100;
  double local_tol = 1e-3;
};

std::string detect_format(const std::string& path) {
  const std::string text = elbo::io::read_text_file(path);
  const auto end = text.find('\n');
  const std::string first = text.substr(0, end);
  return first.find(':') != std::string::npos ? "ldac" : "uci";
}

elbo::io::Corpus load_corpus(const std::string& path, const std::string& format,
                             const std::string& vocab_path, bool skip_empty) {
  const auto read_opts = elbo::io::CorpusReadOptions().skip_empty_documents(skip_empty);
  const std::string fmt_ = format == "auto" ? detect_format(path) : format;
  elbo::io::Corpus corpus;
  if (fmt_ == "text") {
    // one document per line; English stop words, words in ≥ 2 documents and in at
    // most half of them
    const auto opts = elbo::io::TextCorpusOptions()
                          .stop_words(elbo::io::english_stop_words())
                          .min_document_frequency(2)
                          .max_document_fraction(0.5)
                          .read(read_opts);
    return elbo::io::read_text_corpus(path, opts);
  }
  if (fmt_ == "ldac") {
    std::vector<std::string> vocab;
    if (!vocab_path.empty()) vocab = elbo::io::read_vocabulary(vocab_path);
    corpus = elbo::io::read_ldac(path, static_cast<int64_t>(vocab.size()), read_opts);
    corpus.vocabulary = std::move(vocab);
  } else {
    corpus = elbo::io::read_uci_bow(path, vocab_path, read_opts);
  }
  return corpus;
}

std::string word(const elbo::io::Corpus& c, int64_t id) {
  return id < static_cast<int64_t>(c.vocabulary.size()) ? c.vocabulary[id] : std::to_string(id);
}

void validate(const LdaArgs& a) {
  conj::check_option_at_least("fit lda", "--topics", static_cast<double>(a.topics), 1);
  conj::check_option_at_least("fit lda", "--batch-size", static_cast<double>(a.batch_size), 1);
  conj::check_option_half_open("fit lda", "--kappa", a.kappa, 0.5, 1.0);
  conj::check_option_nonnegative("fit lda", "--tau0", a.tau0);
  conj::check_option_nonnegative("fit lda", "--max-iter", static_cast<double>(a.max_iter));
  conj::check_option_nonnegative("fit lda", "--passes", a.passes);
  conj::check_option_nonnegative("fit lda", "--tol", a.tol);
  conj::check_option_at_least("fit lda", "--top-words", static_cast<double>(a.top_words), 1);
  conj::check_option_at_least("fit lda", "--window", static_cast<double>(a.window), 1);
  if (!(a.heldout_fraction >= 0 && a.heldout_fraction < 1)) {
    conj::fail_option("fit lda", "--heldout-fraction", a.heldout_fraction, "in [0, 1)");
  }
  if (a.heldout_observed.empty() != a.heldout_evaluated.empty()) {
    throw elbo::ConfigError("fit lda: --heldout-observed and --heldout-evaluated go together");
  }
  if (a.resume && a.checkpoint.empty()) {
    throw elbo::ConfigError("fit lda: --resume needs --checkpoint FILE");
  }
  if (!a.checkpoint.empty() && a.method != "svi") {
    throw elbo::ConfigError("fit lda: --checkpoint is supported for --method svi (got " +
                            a.method + ")");
  }
}

// A matrix as CSV, under a header row "<header_prefix>0,..." when a prefix is given.
std::string matrix_csv(const Eigen::MatrixXd& m, const char* number_format, const std::string& header_prefix = "") {
  std::string csv;
  if (!header_prefix.empty()) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) csv += (j ? "," : "") + header_prefix + std::to_string(j);
    csv += '\n';
  }
  csv.reserve(static_cast<size_t>(m.size()) * 12);
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      csv += fmt::format(fmt::runtime(number_format), m(i, j));
      csv += j + 1 < m.cols() ? ',' : '\n';
    }
  }
  return csv;
}

// What `elbo predict` needs (cli/predict_lda.cpp): λ (topic_word_counts.csv, at
// full precision), the priors, the E-step settings and the corpus format and
// vocabulary; with CAVI also the fitted topic proportions E[θ_d] (doc_topics.csv).
void write_lda_model(const LdaArgs& a, const Eigen::MatrixXd& lambda_kv, const Eigen::MatrixXd& doc_gamma,
                     double alpha, double eta, const std::vector<std::string>& vocabulary,
                     const std::string& corpus_format) {
  elbo::io::write_file_atomically(a.output + "/topic_word_counts.csv", matrix_csv(lambda_kv, "{:.17g}", "word_"));
  if (doc_gamma.size() > 0) {
    const Eigen::MatrixXd theta = doc_gamma.array().colwise() / doc_gamma.rowwise().sum().array();
    elbo::io::write_file_atomically(a.output + "/doc_topics.csv", matrix_csv(theta, "{:.9g}", "topic_"));
  }
  write_saved_model(a.output, "lda",
                    {{"topics", lambda_kv.rows()},
                     {"words", lambda_kv.cols()},
                     {"alpha", alpha},
                     {"eta", eta},
                     {"local_max_iterations", a.local_max_iter},
                     {"local_tolerance", a.local_tol},
                     {"corpus_format", corpus_format},
                     {"vocabulary", vocabulary},
                     {"topic_word_counts", "topic_word_counts.csv"}});
}

// ---- data-parallel SVI / CAVI (mpirun -np N, or --distributed) ----------------

// ldac or uci from the corpus's first line only (a rank must not read the whole file).
std::string lda_format_from_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  if (!in || !std::getline(in, first)) throw elbo::InputError(path, 0, "", "cannot read the first line");
  return first.find(':') != std::string::npos ? "ldac" : "uci";
}

void reject_for_distributed_lda(const std::string& where, const LdaArgs& a) {
  auto no = [&](bool given, const char* option) {
    if (given) throw elbo::ConfigError(where + ": " + option + " is not supported by the distributed driver");
  };
  if (a.method != "svi" && a.method != "cavi") {
    throw elbo::ConfigError(where + ": --method " + a.method + " is not distributed (use svi or cavi)");
  }
  no(a.adaptive_rate, "--adaptive-rate");
  no(a.adaptive_batch, "--adaptive-batch");
  no(a.window != 1, "--window");
  no(a.svrg_every != 0, "--svrg-every");
  no(a.streaming, "--streaming");
  no(a.importance, "--importance-sampling");
  no(a.sampling != "reshuffle", "--sampling");
  // warm/best E-steps start from each rank's own stored γ, which depends on the sharding
  no(a.local_init != "cold", "--local-init warm|best");
}

// λ, E[log β], exp(E[log β]) and the minibatch statistics: four K × V matrices.
void check_topics_memory(const LdaArgs& a, int64_t V) {
  check_memory(8.0 * 4 * static_cast<double>(a.topics) * static_cast<double>(V), a.max_memory,
               std::to_string(a.topics) + " topics × " + std::to_string(V) + " words of " + a.docword +
                   " (the largest word id + 1 without --vocab)",
               "use fewer --topics, or check the corpus' word ids (give --vocab to bound them)");
}

// The in-memory shard: its text while parsed plus the parsed documents (about 2 bytes
// per byte of LDA-C text) and γ's K doubles per document (about 200 bytes of text per
// document in a typical corpus). Every rank computes it from the same file size and
// options, so all refuse together, before any collective.
void check_shard_memory(const LdaArgs& a, const elbo::distributed::Communicator& comm) {
  const int ranks = comm.size();
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(a.docword, ec);
  if (ec) return;  // the reader reports it, collectively
  const double shard = static_cast<double>(bytes) / ranks;
  check_memory(2.0 * shard + shard / 200.0 * 8.0 * static_cast<double>(a.topics), a.max_memory,
               (ranks == 1 ? std::string("one process holding the whole ")
                           : "each of " + comm.size_label() + " holding its shard of the ") +
                   format_bytes(static_cast<double>(bytes)) + " " + a.docword,
               "add --out-of-core to read each minibatch from disk, or use more ranks");
}

void run_distributed_lda(const LdaArgs& a, elbo::distributed::Communicator& comm) {
  namespace dist = elbo::distributed;
  const std::string where = "fit lda (distributed, " + comm.size_label() + ")";
  reject_for_distributed_lda(where, a);
  const bool root = comm.is_root();
  const bool quiet = a.quiet || !root;
  const std::string format = a.format == "auto" ? lda_format_from_first_line(a.docword) : a.format;
  if (format != "ldac") {
    throw elbo::ConfigError(where + ": --format " + format +
                            " cannot be sharded by lines; give an LDA-C corpus (one document per line)");
  }
  const int threads = dist::threads_per_rank(a.threads);
  const auto t_load = Clock::now();
  std::vector<std::string> vocab;
  if (!a.vocab.empty()) vocab = elbo::io::read_vocabulary(a.vocab);
  const auto read_options = elbo::io::CorpusReadOptions().skip_empty_documents(a.skip_empty);
  const auto lda_options = conj::LdaOptions()
                               .num_topics(a.topics)
                               .alpha(a.alpha)
                               .eta(a.eta)
                               .threads(threads)
                               .local_max_iterations(a.local_max_iter)
                               .local_tolerance(a.local_tol)
                               .local_init(conj::LdaLocalInit::cold);
  // The driver sees a ConjugateModel; topics, priors and the held-out split come
  // from the Lda (out of core: the Lda of the current batch, whose λ is the fit's).
  std::unique_ptr<conj::ConjugateModel> model;
  conj::Lda* lda = nullptr;
  int64_t first_document = 0, M = 0;
  if (a.out_of_core) {
    auto disk = dist::DiskCorpusShard::open(a.docword, static_cast<int64_t>(vocab.size()), read_options, comm);
    first_document = disk.first_document();
    M = disk.total_documents();
    check_topics_memory(a, disk.num_words());
    auto ooc = std::make_unique<dist::OutOfCoreLda>(std::move(disk), lda_options);
    lda = &ooc->lda();
    model = std::move(ooc);
  } else {
    check_shard_memory(a, comm);
    dist::CorpusShard shard = dist::read_ldac_shard(a.docword, static_cast<int64_t>(vocab.size()), read_options, comm);
    first_document = shard.first_document;
    M = shard.total_documents;
    check_topics_memory(a, shard.corpus.num_words);
    auto in_memory = std::make_unique<conj::Lda>(std::move(shard.corpus), lda_options);
    lda = in_memory.get();
    model = std::move(in_memory);
  }
  const int64_t V = lda->num_words();
  // Held-out documents: only an explicit split (a --heldout-fraction split needs the
  // whole corpus), read and scored by rank 0.
  elbo::io::Corpus observed, evaluated;
  if (root && !a.heldout_observed.empty()) {
    const auto keep = elbo::io::CorpusReadOptions().keep_empty_documents(true);
    observed = elbo::io::read_ldac(a.heldout_observed, V, keep);
    evaluated = elbo::io::read_ldac(a.heldout_evaluated, V, keep);
    if (observed.num_docs() != evaluated.num_docs()) {
      throw elbo::InputError(a.heldout_evaluated, 0, "",
                             "has " + std::to_string(evaluated.num_docs()) +
                                 " documents, but --heldout-observed has " + std::to_string(observed.num_docs()));
    }
  }
  const double load_seconds = std::chrono::duration<double>(Clock::now() - t_load).count();
  if (!quiet) {
    fmt::print("corpus: {} documents over {}, {} words; {} threads per rank{}\n", M, comm.size_label(), V, threads,
               a.out_of_core ? "; documents read from disk per minibatch (--out-of-core)" : "");
    if (a.heldout_observed.empty() && a.heldout_fraction > 0) {
      fmt::print("distributed: no held-out split (--heldout-fraction needs the whole corpus); "
                 "give --heldout-observed/--heldout-evaluated for a perplexity\n");
    }
  }
  if (observed.num_docs() > 0) lda->set_heldout(observed, evaluated);
  conj::Rng rng(a.seed);
  model->initialize(rng);  // λ is drawn first, from the seed alone: the same on every rank
  const int64_t statistics_size = model->global_parameters().size();

  nlohmann::json summary;
  summary["method"] = a.method;
  summary["topics"] = a.topics;
  summary["documents"] = M;
  summary["heldout_documents"] = observed.num_docs();
  summary["seed"] = a.seed;
  summary["threads"] = threads;
  nlohmann::json trace = nlohmann::json::array();
  double eval_seconds = 0;
  const auto t0 = Clock::now();
  auto elapsed_fit = [&] { return std::chrono::duration<double>(Clock::now() - t0).count() - eval_seconds; };
  auto record = [&](int64_t it, std::optional<double> elbo_value) {
    if (!root) return;
    const auto te = Clock::now();
    nlohmann::json row = {{"iteration", it}, {"seconds", elapsed_fit()}};
    if (elbo_value) row["elbo"] = *elbo_value;
    if (auto sc = model->heldout_score()) row["perplexity"] = std::exp(-*sc);
    eval_seconds += std::chrono::duration<double>(Clock::now() - te).count();
    trace.push_back(row);
  };
  nlohmann::json parallel = {{"ranks", comm.size()}, {"threads_per_rank", threads}};
  if (a.method == "cavi") {
    const int64_t iters = a.max_iter > 0 ? a.max_iter : 100;
    elbo::io::ProgressBar bar(iters, "LDA CAVI", !a.no_progress && !quiet);
    const auto result = dist::distributed_cavi(
        *model, statistics_size, comm,
        conj::CaviOptions().max_iterations(iters).tolerance(a.tol).callback([&](int64_t it, double value) {
          bar.update(it, fmt::format("ELBO {:.6g}", value));
          if (a.eval_every > 0 && it % a.eval_every == 0) record(it, value);
          return true;
        }));
    bar.finish();
    summary["iterations"] = result.iterations;
    summary["converged"] = result.converged;
    summary["elbo"] = result.elbo_trace.back();
    summary["elbo_trace"] = result.elbo_trace;
  } else {
    const int64_t S = std::min<int64_t>(a.batch_size, M);
    const int64_t steps = svi_steps(a.max_iter, a.passes, M, S);
    elbo::io::ProgressBar bar(steps, "LDA SVI", !a.no_progress && !quiet);
    const dist::ShardLayout layout{first_document, model->num_data(), M};
    dist::DistributedNaturalSvi svi(
        *model, layout, comm,
        dist::DistributedSviOptions()
            .batch_size(S)
            .tau0(a.tau0)
            .kappa(a.kappa)
            .max_steps(steps)
            .seed(a.seed)
            .statistics_size(statistics_size)
            .checkpoint(a.checkpoint)
            .checkpoint_every(a.checkpoint.empty()
                                  ? 0
                                  : (a.checkpoint_every > 0 ? a.checkpoint_every : std::max<int64_t>(1, steps / 10)))
            .callback([&](int64_t step, double rho) {
              bar.update(step, fmt::format("rho {:.3g}", rho));
              if (a.eval_every > 0 && step % a.eval_every == 0) record(step, std::nullopt);
              return true;
            }));
    if (a.resume) {
      // Rank 0 decides (the other ranks may not see its file system).
      double exists = root && std::filesystem::exists(a.checkpoint) ? 1.0 : 0.0;
      comm.broadcast(&exists, 1, 0);
      if (exists != 0) {
        svi.resume(a.checkpoint);
        summary["resumed_from_step"] = svi.steps_taken();
        if (!quiet) fmt::print("resumed from {} at step {}\n", a.checkpoint, svi.steps_taken());
      }
    }
    const auto t_svi = Clock::now();
    svi.run();
    bar.finish();
    summary["steps"] = svi.steps_taken();
    summary["batch_size"] = S;
    add_communication_stats(parallel, svi.communication(),
                            std::chrono::duration<double>(Clock::now() - t_svi).count());
  }
  const double fit_seconds = elapsed_fit();
  if (!root) return;
  summary["fit_seconds"] = fit_seconds;
  summary["load_seconds"] = load_seconds;
  summary["alpha"] = lda->alpha();
  summary["distributed"] = parallel;
  summary["out_of_core"] = a.out_of_core;
  if (!trace.empty()) summary["trace"] = trace;
  const Eigen::MatrixXd topics = lda->topics();
  std::optional<double> perplexity;
  if (observed.num_docs() > 0) {
    const double sc = conj::document_completion_score(topics, lda->alpha(), observed, evaluated, threads);
    perplexity = std::exp(-sc);
    summary["heldout_log_predictive_per_token"] = sc;
    summary["heldout_perplexity"] = *perplexity;
  }
  elbo::io::Corpus names;  // word() looks up the vocabulary only
  names.vocabulary = vocab;
  nlohmann::json topics_json = nlohmann::json::array();
  for (int64_t k = 0; k < a.topics; ++k) {
    const std::vector<int64_t> top = lda->top_words(k, a.top_words);
    std::vector<std::string> words;
    std::vector<double> probs;
    for (int64_t id : top) {
      words.push_back(word(names, id));
      probs.push_back(topics(k, id));
    }
    if (!quiet) fmt::print("topic {:>3}: {}\n", k, fmt::join(words, " "));
    topics_json.push_back({{"topic", k}, {"top_word_ids", top}, {"top_words", words}, {"probabilities", probs}});
  }
  if (!quiet) {
    fmt::print("fit time: {:.3f} s ({} × {} threads)\n", fit_seconds, comm.size_label(), threads);
    if (perplexity) fmt::print("held-out perplexity: {:.2f} ({} documents)\n", *perplexity, observed.num_docs());
  }
  if (!a.output.empty()) {
    const Eigen::VectorXd& l = model->global_parameters();  // word-major: λ(w K + k)
    Eigen::MatrixXd lambda_kv(a.topics, V);
    for (int64_t w = 0; w < V; ++w)
      for (int64_t k = 0; k < a.topics; ++k) lambda_kv(k, w) = l(w * a.topics + k);
    elbo::io::ensure_directory(a.output);
    elbo::io::write_json_file(a.output + "/summary.json", summary);
    elbo::io::write_json_file(a.output + "/topics.json", topics_json);
    elbo::io::write_file_atomically(a.output + "/topics.csv", matrix_csv(topics, "{:.9g}"));
    // no doc_topics.csv: each rank holds only its documents' γ
    write_lda_model(a, lambda_kv, Eigen::MatrixXd(), lda->alpha(), lda->eta(), vocab, format);
  }
  finish_fit(a.output, a.report, quiet);
}

void run_fit_lda(const LdaArgs& a) {
  validate(a);
  {
    auto comm = elbo::distributed::world_communicator();
    if (a.distributed || a.out_of_core || comm->size() > 1) {
      run_distributed_lda(a, *comm);
      return;
    }
  }
  const auto t_load = Clock::now();
  elbo::io::Corpus corpus = load_corpus(a.docword, a.format, a.vocab, a.skip_empty);
  check_topics_memory(a, corpus.num_words);
  conj::Rng split_rng(a.seed);
  elbo::io::Corpus train, observed, evaluated;
  if (!a.heldout_observed.empty()) {
    train = std::move(corpus);
    // a half of a short document may have no tokens: keep such documents
    const auto keep = elbo::io::CorpusReadOptions().keep_empty_documents(true);
    observed = elbo::io::read_ldac(a.heldout_observed, train.num_words, keep);
    evaluated = elbo::io::read_ldac(a.heldout_evaluated, train.num_words, keep);
    if (observed.num_docs() != evaluated.num_docs()) {
      throw elbo::InputError(a.heldout_evaluated, 0, "",
                             "has " + std::to_string(evaluated.num_docs()) +
                                 " documents, but --heldout-observed has " +
                                 std::to_string(observed.num_docs()));
    }
  } else if (a.heldout_fraction > 0) {
    auto [tr, held] = conj::split_documents(corpus, a.heldout_fraction, split_rng);
    train = std::move(tr);
    auto [obs, ev] = conj::split_document_halves(held, split_rng);
    observed = std::move(obs);
    evaluated = std::move(ev);
  } else {
    train = std::move(corpus);
  }
  const double load_seconds = std::chrono::duration<double>(Clock::now() - t_load).count();
  const int64_t M = train.num_docs();
  if (!a.quiet) {
    fmt::print("corpus: {} documents ({} for training, {} held out), {} words, {} tokens\n",
               M + observed.num_docs(), M, observed.num_docs(), train.num_words,
               static_cast<int64_t>(train.num_tokens() + observed.num_tokens() + evaluated.num_tokens()));
    if (train.empty_documents_skipped > 0) {
      fmt::print("skipped {} empty documents\n", train.empty_documents_skipped);
    }
  }

  const auto lda_opts = conj::LdaOptions()
                            .num_topics(a.topics)
                            .alpha(a.alpha)
                            .eta(a.eta)
                            .threads(a.threads)
                            .local_max_iterations(a.local_max_iter)
                            .local_tolerance(a.local_tol)
                            .local_init(a.local_init == "warm"   ? conj::LdaLocalInit::warm
                                        : a.local_init == "best" ? conj::LdaLocalInit::best
                                                                 : conj::LdaLocalInit::cold);
  nlohmann::json summary;
  summary["method"] = a.method;
  summary["topics"] = a.topics;
  summary["documents"] = M;
  summary["heldout_documents"] = observed.num_docs();
  summary["seed"] = a.seed;
  summary["threads"] = conj::resolve_threads(a.threads);
  nlohmann::json trace = nlohmann::json::array();

  Eigen::MatrixXd topics;
  Eigen::MatrixXd lambda_kv;  // K×V topic–word pseudo-counts, for `elbo predict`
  Eigen::MatrixXd doc_gamma;  // M×K fitted γ (CAVI only)
  double alpha = 0;
  double eta = 0;
  std::vector<std::vector<int64_t>> top;
  double fit_seconds = 0, eval_seconds = 0;
  const auto t0 = Clock::now();
  auto elapsed_fit = [&] {
    return std::chrono::duration<double>(Clock::now() - t0).count() - eval_seconds;
  };

  if (a.method == "cavi" || a.method == "svi") {
    conj::Lda model(std::move(train), lda_opts);
    alpha = model.alpha();
    eta = model.eta();
    if (observed.num_docs() > 0) model.set_heldout(observed, evaluated);
    conj::Rng rng(a.seed);
    model.initialize(rng);
    auto record = [&](int64_t it, std::optional<double> elbo_value) {
      const auto te = Clock::now();
      nlohmann::json row = {{"iteration", it}, {"seconds", elapsed_fit()}};
      if (elbo_value) row["elbo"] = *elbo_value;
      if (auto s = model.heldout_score()) row["perplexity"] = std::exp(-*s);
      eval_seconds += std::chrono::duration<double>(Clock::now() - te).count();
      trace.push_back(row);
    };
    if (a.method == "cavi") {
      const int64_t iters = a.max_iter > 0 ? a.max_iter : 100;
      elbo::io::ProgressBar bar(iters, "LDA CAVI", !a.no_progress && !a.quiet);
      auto opts = conj::CaviOptions().max_iterations(iters).tolerance(a.tol).callback(
          [&](int64_t it, double value) {
            bar.update(it, fmt::format("ELBO {:.6g}", value));
            if (a.eval_every > 0 && it % a.eval_every == 0) record(it, value);
            return true;
          });
      const auto result = conj::cavi(model, opts);
      bar.finish();
      summary["iterations"] = result.iterations;
      summary["converged"] = result.converged;
      summary["elbo"] = result.elbo_trace.back();
      summary["elbo_trace"] = result.elbo_trace;
    } else {
      const int64_t S = std::min<int64_t>(a.batch_size, M);
      const int64_t steps = svi_steps(a.max_iter, a.passes, M, S);
      elbo::io::ProgressBar bar(steps, "LDA SVI", !a.no_progress && !a.quiet);
      auto opts = conj::NaturalSviOptions()
                      .batch_size(S)
                      .tau0(a.tau0)
                      .kappa(a.kappa)
                      .max_steps(steps)
                      .seed(a.seed)
                      .adaptive_rate(a.adaptive_rate)
                      .adaptive_batch(a.adaptive_batch)
                      .window(a.window)
                      .svrg_every(a.svrg_every)
                      .streaming(a.streaming)
                      .sampling(a.sampling == "iid" ? conj::NaturalSviOptions::Sampling::iid
                                                    : conj::NaturalSviOptions::Sampling::reshuffle)
                      .checkpoint(a.checkpoint)
                      .checkpoint_every(a.checkpoint.empty()
                                            ? 0
                                            : (a.checkpoint_every > 0 ? a.checkpoint_every
                                                                      : std::max<int64_t>(1, steps / 10)))
                      .callback([&](int64_t step, double rho) {
                        bar.update(step, fmt::format("rho {:.3g}", rho));
                        if (a.eval_every > 0 && step % a.eval_every == 0) record(step, std::nullopt);
                        return true;
                      });
      if (a.importance) {
        // documents drawn ∝ their length, reweighted (NaturalSviOptions::importance)
        std::vector<double> scores(static_cast<size_t>(M));
        const auto& c = model.corpus();
        for (int64_t d = 0; d < M; ++d)
          for (int64_t i = c.offsets[d]; i < c.offsets[d + 1]; ++i) scores[d] += c.counts[i];
        opts.importance(std::move(scores));
      }
      conj::NaturalSvi svi(model, opts);
      if (a.resume && std::filesystem::exists(a.checkpoint)) {
        svi.resume(a.checkpoint);
        summary["resumed_from_step"] = svi.steps_taken();
        if (!a.quiet) fmt::print("resumed from {} at step {}\n", a.checkpoint, svi.steps_taken());
      }
      const auto result = svi.run();
      bar.finish();
      summary["steps"] = svi.steps_taken();
      summary["batch_size"] = svi.current_batch_size();
      summary["final_rate"] = result.rates.empty() ? 0.0 : result.rates.back();
    }
    fit_seconds = elapsed_fit();
    topics = model.topics();
    for (int64_t k = 0; k < a.topics; ++k) top.push_back(model.top_words(k, a.top_words));
    train = model.corpus();
    const Eigen::VectorXd& l = model.global_parameters();  // word-major: λ(w K + k)
    lambda_kv.resize(a.topics, train.num_words);
    for (int64_t w = 0; w < train.num_words; ++w)
      for (int64_t k = 0; k < a.topics; ++k) lambda_kv(k, w) = l(w * a.topics + k);
    // CAVI's last sweep left every document's γ; SVI's are stale for most documents.
    if (a.method == "cavi") doc_gamma = model.gamma();
  } else {
    // collapsed variational inference
    auto cvb_opts = conj::Cvb0Options()
                        .num_topics(a.topics)
                        .alpha(a.alpha)
                        .eta(a.eta)
                        .threads(a.threads)
                        .seed(a.seed)
                        .tolerance(a.tol);
    conj::Cvb0 model(std::move(train), cvb_opts);
    alpha = model.alpha();
    eta = model.eta();
    auto record = [&](int64_t it) {
      if (observed.num_docs() == 0) return;
      const auto te = Clock::now();
      const double s = conj::document_completion_score(model.topics(), model.alpha(), observed,
                                                       evaluated, a.threads);
      eval_seconds += std::chrono::duration<double>(Clock::now() - te).count();
      trace.push_back({{"iteration", it}, {"seconds", elapsed_fit()}, {"perplexity", std::exp(-s)}});
    };
    if (a.method == "cvb0") {
      const int64_t iters = a.max_iter > 0 ? a.max_iter : 100;
      elbo::io::ProgressBar bar(iters, "LDA CVB0", !a.no_progress && !a.quiet);
      const auto r = model.fit_batch(iters, [&](int64_t it, double change) {
        bar.update(it, fmt::format("change {:.3g}", change));
        if (a.eval_every > 0 && it % a.eval_every == 0) record(it);
        return true;
      });
      bar.finish();
      summary["iterations"] = r;
    } else {
      const int64_t S = std::min<int64_t>(a.batch_size, M);
      const int64_t steps = svi_steps(a.max_iter, a.passes, M, S);
      elbo::io::ProgressBar bar(steps, "LDA SCVB0", !a.no_progress && !a.quiet);
      model.fit_stochastic(conj::Scvb0Schedule().batch_size(S).tau0(a.tau0).kappa(a.kappa).steps(steps),
                           [&](int64_t step) {
                             bar.update(step);
                             if (a.eval_every > 0 && step % a.eval_every == 0) record(step);
                             return true;
                           });
      bar.finish();
      summary["steps"] = steps;
      summary["batch_size"] = S;
    }
    fit_seconds = elapsed_fit();
    topics = model.topics();
    for (int64_t k = 0; k < a.topics; ++k) top.push_back(model.top_words(k, a.top_words));
    train = model.corpus();
    lambda_kv = model.topic_word_pseudo_counts();
  }
  summary["fit_seconds"] = fit_seconds;
  summary["load_seconds"] = load_seconds;
  summary["alpha"] = alpha;
  if (!trace.empty()) summary["trace"] = trace;
  std::optional<double> perplexity;
  if (observed.num_docs() > 0) {
    const double s = conj::document_completion_score(topics, alpha, observed, evaluated, a.threads);
    perplexity = std::exp(-s);
    summary["heldout_log_predictive_per_token"] = s;
    summary["heldout_perplexity"] = *perplexity;
  }

  // report
  nlohmann::json topics_json = nlohmann::json::array();
  for (int64_t k = 0; k < a.topics; ++k) {
    std::vector<std::string> words;
    std::vector<double> probs;
    for (int64_t id : top[k]) {
      words.push_back(word(train, id));
      probs.push_back(topics(k, id));
    }
    if (!a.quiet) {
      std::string line;
      for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
      fmt::print("topic {:>3}: {}\n", k, line);
    }
    topics_json.push_back({{"topic", k}, {"top_word_ids", top[k]}, {"top_words", words},
                           {"probabilities", probs}});
  }
  if (!a.quiet) {
    fmt::print("fit time: {:.3f} s ({} threads)\n", fit_seconds, conj::resolve_threads(a.threads));
    if (perplexity) {
      fmt::print("held-out perplexity: {:.2f} ({} documents, document completion)\n", *perplexity,
                 observed.num_docs());
    }
  }
  if (!a.output.empty()) {
    elbo::io::ensure_directory(a.output);
    elbo::io::write_json_file(a.output + "/summary.json", summary);
    elbo::io::write_json_file(a.output + "/topics.json", topics_json);
    elbo::io::write_file_atomically(a.output + "/topics.csv", matrix_csv(topics, "{:.9g}"));
    write_lda_model(a, lambda_kv, doc_gamma, alpha, eta, train.vocabulary,
                    a.format == "auto" ? detect_format(a.docword) : a.format);
  }
  finish_fit(a.output, a.report, a.quiet);
}

}  // namespace

void add_fit_lda_command(CLI::App& fit) {
  auto args = std::make_shared<LdaArgs>();
  auto* cmd = fit.add_subcommand("lda", "Latent Dirichlet allocation on a bag-of-words corpus");
  cmd->add_option("--docword", args->docword, "Corpus: LDA-C (N id:count ...), UCI docword or text file")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--vocab", args->vocab, "Vocabulary file, one word per line")->check(CLI::ExistingFile);
  cmd->add_option("--format", args->format,
                  "Corpus format: ldac, uci (docword + --vocab), text (one document per line: "
                  "tokenised, English stop words and rare/common words dropped); auto: ldac or uci")
      ->check(CLI::IsMember({"auto", "ldac", "uci", "text"}))
      ->capture_default_str();
  cmd->add_option("--topics,-K", args->topics, "Number of topics K")->check(validators::positive_integer())->required();
  cmd->add_option("--method", args->method, "Inference: cavi, svi (natural-gradient SVI), cvb0, scvb0")
      ->check(CLI::IsMember({"cavi", "svi", "cvb0", "scvb0"}))
      ->capture_default_str();
  cmd->add_option("--alpha", args->alpha, "Document-topic concentration (default 1/K)")->check(validators::positive_real());
  cmd->add_option("--eta", args->eta, "Topic-word concentration (default 1/K)")->check(validators::positive_real());
  cmd->add_option("--batch-size", args->batch_size, "Minibatch size S (svi, scvb0)")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--tau0", args->tau0, "Step size delay: rho_t = (t + tau0)^-kappa")->check(validators::nonnegative_real())->capture_default_str();
  cmd->add_option("--kappa", args->kappa, "Step size forgetting rate, in (0.5, 1]")->check(validators::real_in(0.5, true, 1.0, false))->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (0: all cores)")->check(validators::thread_count())->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed (split, initialisation, minibatches)")->check(validators::seed())->capture_default_str();
  cmd->add_option("--max-iter", args->max_iter,
                  "Iterations (cavi, cvb0; default 100) or steps (svi, scvb0; default from --passes)")->check(validators::integer_in(0, 100000000));
  cmd->add_option("--passes", args->passes, "Passes over the corpus for svi/scvb0 (default 10)")->check(validators::real_in(0, true, 1e5, false));
  cmd->add_option("--tol", args->tol, "Relative ELBO change (cavi) / mean change (cvb0) to stop")->check(validators::nonnegative_real())
      ->capture_default_str();
  cmd->add_option("--local-max-iter", args->local_max_iter, "Max E-step iterations per document")->check(validators::positive_integer())
      ->capture_default_str();
  cmd->add_option("--local-tol", args->local_tol, "E-step tolerance (mean |change| of gamma)")->check(validators::nonnegative_real())
      ->capture_default_str();
  cmd->add_option("--heldout-fraction", args->heldout_fraction,
                  "Fraction of documents held out for document-completion perplexity")->check(validators::real_in(0, false, 1, true))
      ->capture_default_str();
  cmd->add_option("--heldout-observed", args->heldout_observed,
                  "Explicit held-out split: observed halves (LDA-C); with --heldout-evaluated")
      ->check(CLI::ExistingFile);
  cmd->add_option("--heldout-evaluated", args->heldout_evaluated,
                  "Explicit held-out split: evaluated halves (LDA-C)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--eval-every", args->eval_every,
                  "Record held-out perplexity every n iterations/steps in summary.json")->check(validators::positive_integer());
  cmd->add_option("--top-words", args->top_words, "Words printed per topic")->check(validators::positive_integer())->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Directory for topics.csv, topics.json, summary.json");
  cmd->add_option("--checkpoint", args->checkpoint, "SVI checkpoint file (global parameters, step, RNG)");
  cmd->add_option("--checkpoint-every", args->checkpoint_every, "Steps between checkpoints")->check(validators::positive_integer());
  cmd->add_flag("--resume", args->resume, "Resume SVI from --checkpoint if it exists");
  cmd->add_flag("--adaptive-rate", args->adaptive_rate, "SVI: adaptive learning rate (Ranganath et al. 2013)");
  cmd->add_flag("--adaptive-batch", args->adaptive_batch, "SVI: grow the minibatch when noise dominates");
  cmd->add_option("--window", args->window, "SVI: average statistics over the last W minibatches")->check(validators::positive_integer());
  cmd->add_option("--svrg-every", args->svrg_every, "SVI: SVRG snapshot of full statistics every m steps")->check(validators::positive_integer());
  cmd->add_option("--sampling", args->sampling,
                  "SVI minibatches: reshuffle (a permutation per epoch) or iid (fresh draws each step)")
      ->check(CLI::IsMember({"reshuffle", "iid"}))
      ->capture_default_str();
  cmd->add_flag("--importance-sampling", args->importance,
                "SVI: draw documents with probability proportional to their length, reweighted");
  cmd->add_flag("--streaming", args->streaming, "SVI: documents in order, M = documents seen so far");
  cmd->add_option("--local-init", args->local_init,
                  "Start of each document's E-step: cold (gamma = 1, as sklearn/gensim), warm "
                  "(last gamma), best (both, keep the better: guarantees a monotone CAVI ELBO)")
      ->check(CLI::IsMember({"cold", "warm", "best"}))
      ->capture_default_str();
  cmd->add_flag("--skip-empty-docs", args->skip_empty, "Drop empty documents (default: error)");
  cmd->add_flag("--distributed", args->distributed,
                "Data-parallel SVI/CAVI (automatic under mpirun with more than one rank); on one "
                "process it takes the same steps as N ranks (docs/distributed.md)");
  cmd->add_flag("--out-of-core", args->out_of_core,
                "Leave the LDA-C corpus on disk: each step reads its minibatch's documents from the "
                "file (12 bytes per document stay in memory); runs the distributed driver, also in "
                "one process (docs/distributed.md)");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  add_report_flag(*cmd, args->report);
  cmd->add_flag("--quiet,-q", args->quiet, "Print nothing but errors");
  add_max_memory_option(*cmd, args->max_memory);
  cmd->callback([args] { run_fit_lda(*args); });
}

}  // namespace elbo_cli
