#include "elbo/conjugate/lda.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>

#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"

namespace elbo::conjugate {

namespace {

constexpr double kTiny = 1e-100;

// exp(E[log θ]) for θ ~ Dir(γ), into out.
inline void exp_dirichlet_expectation(const double* gamma, int64_t K, double* elog, double* out) {
  double sum = 0.0;
  for (int64_t k = 0; k < K; ++k) sum += gamma[k];
  const double psi_sum = fast_digamma(sum);
  for (int64_t k = 0; k < K; ++k) {
    elog[k] = fast_digamma(gamma[k]) - psi_sum;
    out[k] = std::exp(elog[k]);
  }
}

// Per-thread scratch, allocated once per parallel chunk.
struct Scratch {
  std::vector<double> elog_theta, exp_elog_theta, last_gamma, warm_gamma, acc, phinorm;
  Scratch(int64_t K, int64_t max_len)
      : elog_theta(K), exp_elog_theta(K), last_gamma(K), warm_gamma(K), acc(K), phinorm(max_len) {}
};

int64_t max_document_length(const io::Corpus& c) {
  int64_t m = 0;
  for (int64_t d = 0; d < c.num_docs(); ++d) m = std::max(m, c.offsets[d + 1] - c.offsets[d]);
  return m;
}

// The E-step of one document against a word-major K-column table `eb` (exp E log β,
// or E β for held-out estimation). Leaves exp E[log θ] and phinorm for the final γ.
void document_e_step(const int32_t* ids, const double* cts, int64_t n, const double* eb,
                     int64_t K, double alpha, int64_t max_iter, double tol, double* gamma,
                     Scratch& s) {
  double* et = s.exp_elog_theta.data();
  double* pn = s.phinorm.data();
  exp_dirichlet_expectation(gamma, K, s.elog_theta.data(), et);
  for (int64_t it = 0; it < max_iter; ++it) {
    std::fill(s.acc.begin(), s.acc.end(), 0.0);
    double* acc = s.acc.data();
    Eigen::Map<Eigen::VectorXd> acc_v(acc, K);
    const Eigen::Map<const Eigen::VectorXd> et_v(et, K);
    for (int64_t i = 0; i < n; ++i) {
      // Eigen's vectorised dot (strict IEEE order would make this a serial chain)
      const Eigen::Map<const Eigen::VectorXd> row(eb + static_cast<int64_t>(ids[i]) * K, K);
      const double p = row.dot(et_v) + kTiny;
      acc_v.noalias() += (cts[i] / p) * row;
    }
    double change = 0.0;
    for (int64_t k = 0; k < K; ++k) {
      const double g = alpha + et[k] * acc[k];
      change += std::abs(g - gamma[k]);
      gamma[k] = g;
    }
    exp_dirichlet_expectation(gamma, K, s.elog_theta.data(), et);
    if (change / static_cast<double>(K) < tol) break;
  }
  const Eigen::Map<const Eigen::VectorXd> et_v(et, K);
  for (int64_t i = 0; i < n; ++i) {
    pn[i] = Eigen::Map<const Eigen::VectorXd>(eb + static_cast<int64_t>(ids[i]) * K, K).dot(et_v) + kTiny;
  }
}

// exp E[log θ] and the word normalisers for γ (one pass, no γ update).
void refresh_document(const int32_t* ids, int64_t n, const double* eb, int64_t K,
                      const double* gamma, Scratch& s) {
  double* et = s.exp_elog_theta.data();
  exp_dirichlet_expectation(gamma, K, s.elog_theta.data(), et);
  const Eigen::Map<const Eigen::VectorXd> et_v(et, K);
  for (int64_t i = 0; i < n; ++i) {
    s.phinorm[i] = Eigen::Map<const Eigen::VectorXd>(eb + static_cast<int64_t>(ids[i]) * K, K).dot(et_v) + kTiny;
  }
}

// max_φ of the document's ELBO terms at γ (up to a constant): Σ_w n_w log phinorm_w
// + Σ_k (α − γ_k) E log θ_k + Σ_k log Γ(γ_k) − log Γ(Σ γ), from the scratch of the
// last E-step / refresh.
double document_bound(const double* cts, int64_t n, int64_t K, double alpha, const double* gamma,
                      const Scratch& s) {
  double out = 0.0, gsum = 0.0;
  for (int64_t i = 0; i < n; ++i) out += cts[i] * std::log(s.phinorm[i]);
  for (int64_t k = 0; k < K; ++k) {
    out += (alpha - gamma[k]) * s.elog_theta[k] + std::lgamma(gamma[k]);
    gsum += gamma[k];
  }
  return out - std::lgamma(gsum);
}

}  // namespace

void LdaOptions::validate() const {
  const char* f = "lda";
  check_option_at_least(f, "num_topics", static_cast<double>(num_topics_), 1);
  check_option_at_least(f, "local_max_iterations", static_cast<double>(local_max_iterations_), 1);
  check_option_nonnegative(f, "local_tolerance", local_tolerance_);
  if (std::isnan(alpha_)) fail_option(f, "alpha", alpha_, "a number");
  if (std::isnan(eta_)) fail_option(f, "eta", eta_, "a number");
}

namespace {
void check_documents(const io::Corpus& corpus, int64_t V) {
  if (corpus.num_docs() < 1) throw InputError(corpus.source, 0, "", "corpus has no documents");
  for (size_t i = 0; i < corpus.word_ids.size(); ++i) {
    if (corpus.word_ids[i] < 0 || corpus.word_ids[i] >= V) {
      throw InputError(corpus.source, 0, "word id",
                       std::to_string(corpus.word_ids[i]) + " is outside the vocabulary of " +
                           std::to_string(V) + " words");
    }
  }
}
}  // namespace

Lda::Lda(io::Corpus corpus, LdaOptions options)
    : corpus_(std::move(corpus)), options_(std::move(options)) {
  options_.validate();
  K_ = options_.num_topics_;
  V_ = corpus_.num_words;
  alpha_ = options_.alpha_ > 0 ? options_.alpha_ : 1.0 / static_cast<double>(K_);
  eta_ = options_.eta_ > 0 ? options_.eta_ : 1.0 / static_cast<double>(K_);
  threads_ = resolve_threads(options_.threads_);
  check_documents(corpus_, V_);
  Rng rng(0);
  initialize(rng);
}

void Lda::set_documents(io::Corpus corpus) {
  check_documents(corpus, V_);
  corpus_ = std::move(corpus);
  gamma_ = Eigen::MatrixXd::Ones(corpus_.num_docs(), K_);
}

void Lda::initialize(Rng& rng) {
  // Hoffman et al. (2010): λ and γ start at Gamma(100, 1/100) draws.
  std::gamma_distribution<double> g(100.0, 0.01);
  Eigen::VectorXd lambda(V_ * K_);
  for (Eigen::Index i = 0; i < lambda.size(); ++i) lambda(i) = g(rng);
  gamma_.resize(num_data(), K_);
  for (Eigen::Index d = 0; d < gamma_.rows(); ++d)
    for (Eigen::Index k = 0; k < K_; ++k) gamma_(d, k) = g(rng);
  set_global_parameters(lambda);
}

void Lda::set_global_parameters(const Eigen::VectorXd& lambda) {
  if (lambda.size() != V_ * K_) {
    throw DomainError("lda: global parameter vector has " + std::to_string(lambda.size()) +
                      " entries, expected V·K = " + std::to_string(V_ * K_));
  }
  // λ_kw = η + expected counts > 0 always; anything else came from outside (a file).
  for (Eigen::Index i = 0; i < lambda.size(); ++i) {
    if (!(lambda[i] > 0) || !std::isfinite(lambda[i])) {
      throw DomainError("lda: topic-word parameter " + std::to_string(i) + " is " + std::to_string(lambda[i]) +
                        ", but must be positive and finite");
    }
  }
  lambda_ = lambda;
  // ψ(Σ_w λ_kw) per topic.
  std::vector<double> psi_sum(static_cast<size_t>(K_), 0.0);
  {
    std::vector<double> sums(static_cast<size_t>(K_), 0.0);
    for (int64_t w = 0; w < V_; ++w)
      for (int64_t k = 0; k < K_; ++k) sums[k] += lambda_(w * K_ + k);
    for (int64_t k = 0; k < K_; ++k) psi_sum[k] = fast_digamma(sums[k]);
  }
  elog_beta_.resize(V_ * K_);
  exp_elog_beta_.resize(V_ * K_);
  parallel_for(V_, threads_, [&](int, int64_t b, int64_t e) {
    for (int64_t w = b; w < e; ++w)
      for (int64_t k = 0; k < K_; ++k) {
        const int64_t i = w * K_ + k;
        elog_beta_(i) = fast_digamma(lambda_(i)) - psi_sum[k];
        exp_elog_beta_(i) = std::exp(elog_beta_(i));
      }
  });
}

void Lda::run_local(const Batch& batch, Eigen::VectorXd* stats, double* local_bound,
                    const std::vector<double>* weights) {
  const int64_t nb = static_cast<int64_t>(batch.size());
  const int threads = static_cast<int>(std::min<int64_t>(threads_, std::max<int64_t>(1, nb / 4)));
  std::vector<Eigen::VectorXd> thread_stats(static_cast<size_t>(threads));
  std::vector<double> thread_bound(static_cast<size_t>(threads), 0.0);
  const int64_t max_len = max_document_length(corpus_);
  const double* eb = exp_elog_beta_.data();
  const double* elb = elog_beta_.data();
  const double doc_const = std::lgamma(K_ * alpha_) - K_ * std::lgamma(alpha_);
  parallel_for(nb, threads, [&](int t, int64_t b, int64_t e) {
    Scratch s(K_, max_len);
    double* acc_stats = nullptr;
    if (stats) {
      thread_stats[t] = Eigen::VectorXd::Zero(V_ * K_);
      acc_stats = thread_stats[t].data();
    }
    double bound = 0.0;
    for (int64_t j = b; j < e; ++j) {
      const int64_t d = batch[static_cast<size_t>(j)];
      const int64_t off = corpus_.offsets[d];
      const int64_t n = corpus_.offsets[d + 1] - off;
      const int32_t* ids = corpus_.word_ids.data() + off;
      const double* cts = corpus_.counts.data() + off;
      std::vector<double>& last = s.last_gamma;  // γ_d, copied in and out of gamma_
      const LdaLocalInit init = options_.local_init_;
      double warm_bound = -INFINITY;
      if (init == LdaLocalInit::best) {
        for (int64_t k = 0; k < K_; ++k) last[k] = gamma_(d, k);
        document_e_step(ids, cts, n, eb, K_, alpha_, options_.local_max_iterations_,
                        options_.local_tolerance_, last.data(), s);
        warm_bound = document_bound(cts, n, K_, alpha_, last.data(), s);
        s.warm_gamma = last;
      }
      for (int64_t k = 0; k < K_; ++k) last[k] = init == LdaLocalInit::warm ? gamma_(d, k) : 1.0;
      document_e_step(ids, cts, n, eb, K_, alpha_, options_.local_max_iterations_,
                      options_.local_tolerance_, last.data(), s);
      if (init == LdaLocalInit::best &&
          warm_bound > document_bound(cts, n, K_, alpha_, last.data(), s)) {
        last = s.warm_gamma;
        refresh_document(ids, n, eb, K_, last.data(), s);
      }
      for (int64_t k = 0; k < K_; ++k) gamma_(d, k) = last[k];
      const double* et = s.exp_elog_theta.data();
      const double* pn = s.phinorm.data();
      // local bound: Σ n log phinorm − Σ n φ E log β_old + Dirichlet terms of θ_d.
      double gsum = 0.0;
      double theta_terms = doc_const;
      for (int64_t k = 0; k < K_; ++k) {
        theta_terms += (alpha_ - last[k]) * s.elog_theta[k] + std::lgamma(last[k]);
        gsum += last[k];
      }
      double dl = (weights ? (*weights)[static_cast<size_t>(j)] : 1.0) * (theta_terms - std::lgamma(gsum));
      const double weight = weights ? (*weights)[static_cast<size_t>(j)] : 1.0;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t base = static_cast<int64_t>(ids[i]) * K_;
        const double w = weight * cts[i] / pn[i];
        dl += weight * cts[i] * std::log(pn[i]);
        double cross = 0.0;
        for (int64_t k = 0; k < K_; ++k) {
          const double nphi = w * et[k] * eb[base + k];
          cross += nphi * elb[base + k];
          if (acc_stats) acc_stats[base + k] += nphi;
        }
        dl -= cross;
      }
      bound += dl;
    }
    thread_bound[t] = bound;
  });
  if (stats) {
    *stats = Eigen::VectorXd::Zero(V_ * K_);
    for (auto& ts : thread_stats)
      if (ts.size()) *stats += ts;
  }
  if (local_bound) *local_bound = std::accumulate(thread_bound.begin(), thread_bound.end(), 0.0);
}

void Lda::local_step(const Batch& batch) { run_local(batch, nullptr, nullptr); }

BatchStatistics Lda::expected_statistics(const Batch& batch) const {
  // Statistics of the stored γ: one φ evaluation per word, no γ update.
  BatchStatistics out;
  out.size = static_cast<int64_t>(batch.size());
  out.sufficient = Eigen::VectorXd::Zero(V_ * K_);
  std::vector<double> elog(K_), et(K_);
  const double* eb = exp_elog_beta_.data();
  const double* elb = elog_beta_.data();
  const double doc_const = std::lgamma(K_ * alpha_) - K_ * std::lgamma(alpha_);
  for (int64_t d : batch) {
    std::vector<double> g(K_);
    double gsum = 0.0;
    for (int64_t k = 0; k < K_; ++k) {
      g[k] = gamma_(d, k);
      gsum += g[k];
    }
    exp_dirichlet_expectation(g.data(), K_, elog.data(), et.data());
    double dl = doc_const - std::lgamma(gsum);
    for (int64_t k = 0; k < K_; ++k) dl += (alpha_ - g[k]) * elog[k] + std::lgamma(g[k]);
    for (int64_t i = corpus_.offsets[d]; i < corpus_.offsets[d + 1]; ++i) {
      const int64_t base = static_cast<int64_t>(corpus_.word_ids[i]) * K_;
      double p = kTiny;
      for (int64_t k = 0; k < K_; ++k) p += et[k] * eb[base + k];
      const double w = corpus_.counts[i] / p;
      dl += corpus_.counts[i] * std::log(p);
      for (int64_t k = 0; k < K_; ++k) {
        const double nphi = w * et[k] * eb[base + k];
        out.sufficient(base + k) += nphi;
        dl -= nphi * elb[base + k];
      }
    }
    out.local_bound += dl;
  }
  return out;
}

BatchStatistics Lda::weighted_statistics(const Batch& batch, const std::vector<double>& weights) {
  if (weights.size() != batch.size()) throw DomainError("lda: one weight per batch point is needed");
  BatchStatistics out;
  out.size = static_cast<int64_t>(batch.size());
  run_local(batch, &out.sufficient, &out.local_bound, &weights);
  return out;
}

BatchStatistics Lda::local_step_statistics(const Batch& batch) {
  BatchStatistics out;
  out.size = static_cast<int64_t>(batch.size());
  run_local(batch, &out.sufficient, &out.local_bound);
  return out;
}

Eigen::VectorXd Lda::global_step(const BatchStatistics& stats, double scale) const {
  return (scale * stats.sufficient).array() + eta_;
}

void Lda::project_statistics(BatchStatistics& stats) const {
  stats.sufficient = stats.sufficient.cwiseMax(0.0);
}

double Lda::elbo(const BatchStatistics& full) const {
  double out = full.local_bound + full.sufficient.dot(elog_beta_);
  std::vector<double> sums(static_cast<size_t>(K_), 0.0);
  std::vector<double> part(static_cast<size_t>(threads_), 0.0);
  parallel_for(V_, threads_, [&](int t, int64_t b, int64_t e) {
    double acc = 0.0;
    for (int64_t i = b * K_; i < e * K_; ++i) {
      acc += (eta_ - lambda_(i)) * elog_beta_(i) + std::lgamma(lambda_(i));
    }
    part[t] = acc;
  });
  for (int64_t w = 0; w < V_; ++w)
    for (int64_t k = 0; k < K_; ++k) sums[k] += lambda_(w * K_ + k);
  for (double p : part) out += p;
  for (int64_t k = 0; k < K_; ++k) out -= std::lgamma(sums[k]);
  out += K_ * (std::lgamma(V_ * eta_) - V_ * std::lgamma(eta_));
  return out;
}

Eigen::MatrixXd Lda::topics() const {
  Eigen::MatrixXd t(K_, V_);
  for (int64_t w = 0; w < V_; ++w)
    for (int64_t k = 0; k < K_; ++k) t(k, w) = lambda_(w * K_ + k);
  for (int64_t k = 0; k < K_; ++k) t.row(k) /= t.row(k).sum();
  return t;
}

void Lda::set_topics_lambda(const Eigen::MatrixXd& lambda_kv) {
  if (lambda_kv.rows() != K_ || lambda_kv.cols() != V_) {
    throw DomainError("lda: topic matrix must be K×V");
  }
  Eigen::VectorXd l(V_ * K_);
  for (int64_t w = 0; w < V_; ++w)
    for (int64_t k = 0; k < K_; ++k) l(w * K_ + k) = lambda_kv(k, w);
  set_global_parameters(l);
}

std::vector<int64_t> Lda::top_words(int64_t k, int64_t n) const {
  std::vector<int64_t> ids(static_cast<size_t>(V_));
  std::iota(ids.begin(), ids.end(), 0);
  n = std::min(n, V_);
  std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](int64_t a, int64_t b) {
    return lambda_(a * K_ + k) > lambda_(b * K_ + k);
  });
  ids.resize(static_cast<size_t>(n));
  return ids;
}

void Lda::set_heldout(io::Corpus observed, io::Corpus evaluated) {
  if (observed.num_docs() != evaluated.num_docs()) {
    throw DomainError("lda: held-out observed and evaluated halves have different numbers of documents");
  }
  heldout_observed_ = std::move(observed);
  heldout_evaluated_ = std::move(evaluated);
}

std::optional<double> Lda::heldout_score() const {
  if (heldout_evaluated_.num_docs() <= 0) return std::nullopt;
  return document_completion_score(topics(), alpha_, heldout_observed_, heldout_evaluated_,
                                   threads_, options_.local_max_iterations_,
                                   options_.local_tolerance_);
}

double document_completion_score(const Eigen::MatrixXd& topics, double alpha,
                                 const io::Corpus& observed, const io::Corpus& evaluated,
                                 int threads, int64_t local_iterations, double tolerance) {
  const int64_t K = topics.rows(), V = topics.cols();
  // word-major E[β]
  std::vector<double> beta(static_cast<size_t>(V * K));
  for (int64_t w = 0; w < V; ++w)
    for (int64_t k = 0; k < K; ++k) beta[w * K + k] = topics(k, w);
  const int64_t D = observed.num_docs();
  threads = resolve_threads(threads);
  std::vector<double> ll(static_cast<size_t>(threads), 0.0), tok(static_cast<size_t>(threads), 0.0);
  const int64_t max_len = std::max<int64_t>(1, max_document_length(observed));
  parallel_for(D, threads, [&](int t, int64_t b, int64_t e) {
    Scratch s(K, max_len);
    std::vector<double> gamma(K), theta(K);
    for (int64_t d = b; d < e; ++d) {
      const int64_t off = observed.offsets[d];
      const int64_t n = observed.offsets[d + 1] - off;
      std::fill(gamma.begin(), gamma.end(), 1.0);
      if (n > 0) {
        document_e_step(observed.word_ids.data() + off, observed.counts.data() + off, n,
                        beta.data(), K, alpha, local_iterations, tolerance, gamma.data(), s);
      } else {
        std::fill(gamma.begin(), gamma.end(), alpha);
      }
      const double gs = std::accumulate(gamma.begin(), gamma.end(), 0.0);
      for (int64_t k = 0; k < K; ++k) theta[k] = gamma[k] / gs;
      for (int64_t i = evaluated.offsets[d]; i < evaluated.offsets[d + 1]; ++i) {
        const double* row = beta.data() + static_cast<int64_t>(evaluated.word_ids[i]) * K;
        double p = 0.0;
        for (int64_t k = 0; k < K; ++k) p += theta[k] * row[k];
        ll[t] += evaluated.counts[i] * std::log(p);
        tok[t] += evaluated.counts[i];
      }
    }
  });
  const double total = std::accumulate(tok.begin(), tok.end(), 0.0);
  if (total <= 0) return 0.0;
  return std::accumulate(ll.begin(), ll.end(), 0.0) / total;
}

std::pair<io::Corpus, io::Corpus> split_document_halves(const io::Corpus& corpus, Rng& rng) {
  io::Corpus a, b;
  a.source = b.source = corpus.source;
  a.num_words = b.num_words = corpus.num_words;
  a.vocabulary = b.vocabulary = corpus.vocabulary;
  std::vector<int32_t> tokens;
  for (int64_t d = 0; d < corpus.num_docs(); ++d) {
    tokens.clear();
    for (int64_t i = corpus.offsets[d]; i < corpus.offsets[d + 1]; ++i)
      for (int64_t c = 0; c < static_cast<int64_t>(corpus.counts[i]); ++c)
        tokens.push_back(corpus.word_ids[i]);
    std::shuffle(tokens.begin(), tokens.end(), rng);
    const size_t half = tokens.size() / 2;
    for (int part = 0; part < 2; ++part) {
      std::vector<int32_t> t(part == 0 ? tokens.begin() : tokens.begin() + static_cast<std::ptrdiff_t>(half),
                             part == 0 ? tokens.begin() + static_cast<std::ptrdiff_t>(half) : tokens.end());
      std::sort(t.begin(), t.end());
      std::vector<int32_t> ids;
      std::vector<double> cts;
      for (int32_t w : t) {
        if (!ids.empty() && ids.back() == w) {
          cts.back() += 1.0;
        } else {
          ids.push_back(w);
          cts.push_back(1.0);
        }
      }
      (part == 0 ? a : b).add_document(ids, cts);
    }
  }
  return {std::move(a), std::move(b)};
}

std::pair<io::Corpus, io::Corpus> split_documents(const io::Corpus& corpus, double heldout_fraction,
                                                  Rng& rng) {
  if (!(heldout_fraction >= 0 && heldout_fraction < 1)) {
    fail_option("split_documents", "heldout_fraction", heldout_fraction, "in [0, 1)");
  }
  std::vector<int64_t> order(static_cast<size_t>(corpus.num_docs()));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  const size_t n_held = static_cast<size_t>(std::llround(heldout_fraction * static_cast<double>(order.size())));
  std::vector<int64_t> held(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_held));
  std::vector<int64_t> train(order.begin() + static_cast<std::ptrdiff_t>(n_held), order.end());
  std::sort(held.begin(), held.end());
  std::sort(train.begin(), train.end());
  return {corpus.subset(train), corpus.subset(held)};
}

}  // namespace elbo::conjugate
