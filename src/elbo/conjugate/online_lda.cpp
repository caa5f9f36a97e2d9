#include "elbo/conjugate/online_lda.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "elbo/conjugate/lda_kernel.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"

namespace elbo::conjugate {

namespace {

// sklearn adds machine epsilon to φnorm (so a word no topic can produce stays finite).
constexpr double kEps = std::numeric_limits<double>::epsilon();

// E[log θ] and exp of it for θ ~ Dir(g).
void dirichlet_expectation(const double* g, int64_t K, double* elog, double* e) {
  double sum = 0.0;
  for (int64_t k = 0; k < K; ++k) sum += g[k];
  const double psi_sum = fast_digamma(sum);
  for (int64_t k = 0; k < K; ++k) {
    elog[k] = fast_digamma(g[k]) - psi_sum;
    e[k] = std::exp(elog[k]);
  }
}

// K×V (row-major) → V×Kp (word-major: a word's topics contiguous, as the E-step reads
// them, zero-padded to Kp = lda_padded_topics(K)).
std::vector<double> word_major(const RowMatrixXd& kv, int threads) {
  const int64_t K = kv.rows(), V = kv.cols(), Kp = lda_padded_topics(K);
  std::vector<double> out(static_cast<size_t>(Kp * V), 0.0);
  parallel_for(V, std::max(1, std::min(resolve_threads(threads), static_cast<int>(V))), [&](int, int64_t b, int64_t e) {
    for (int64_t k = 0; k < K; ++k)
      for (int64_t w = b; w < e; ++w) out[static_cast<size_t>(w * Kp + k)] = kv(k, w);
  });
  return out;
}

int effective_threads(int requested, int64_t work) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(resolve_threads(requested), work)));
}

}  // namespace

void CsrView::validate() const {
  if (rows < 0 || cols < 0 || indptr == nullptr) throw DomainError("csr: malformed matrix");
  if (indptr[0] != 0) throw DomainError("csr: indptr[0] must be 0");
  for (int64_t r = 0; r < rows; ++r) {
    if (indptr[r + 1] < indptr[r]) throw DomainError("csr: indptr is not nondecreasing");
  }
  for (int64_t i = 0; i < indptr[rows]; ++i) {
    if (indices[i] < 0 || indices[i] >= cols) {
      throw DomainError("csr: column index " + std::to_string(indices[i]) + " outside [0, " +
                        std::to_string(cols) + ")");
    }
    if (!(data[i] >= 0) || !std::isfinite(data[i])) {
      throw DomainError("csr: entry " + std::to_string(i) + " is negative or not finite");
    }
  }
}

double CsrView::total() const {
  double s = 0.0;
  for (int64_t i = 0; i < indptr[rows]; ++i) s += data[i];
  return s;
}

RowMatrixXd lda_exp_dirichlet_expectation(const RowMatrixXd& lambda, int threads) {
  RowMatrixXd out(lambda.rows(), lambda.cols());
  parallel_for(lambda.rows(), effective_threads(threads, lambda.rows()), [&](int, int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const double psi_sum = fast_digamma(lambda.row(k).sum());
      for (int64_t w = 0; w < lambda.cols(); ++w) out(k, w) = std::exp(fast_digamma(lambda(k, w)) - psi_sum);
    }
  });
  return out;
}

namespace {

// The E-step against a word-major table padded to Kp topics (lda_kernel.hpp);
// sstats_wk (word-major, V·K) accumulated per thread.
void e_step_word_major(const CsrView& X, int64_t begin, int64_t end, const double* ebp, int64_t K,
                       int64_t V, const OnlineLdaOptions& o, RowMatrixXd& gamma,
                       std::vector<double>* sstats_wk) {
  const int64_t n_docs = end - begin;
  const int64_t Kp = lda_padded_topics(K);
  if (gamma.rows() != n_docs || gamma.cols() != K) {
    throw DomainError("lda_e_step: starting γ must be " + std::to_string(n_docs) + "×" + std::to_string(K));
  }
  const int threads = effective_threads(o.threads, std::max<int64_t>(1, n_docs / 8));
  std::vector<std::vector<double>> part(static_cast<size_t>(threads));
  int64_t max_len = 0;
  for (int64_t d = begin; d < end; ++d) max_len = std::max(max_len, X.indptr[d + 1] - X.indptr[d]);
  parallel_for(n_docs, threads, [&](int t, int64_t b, int64_t e) {
    std::vector<double> et(Kp, 0.0), acc(Kp), last(K), ratio(static_cast<size_t>(std::max<int64_t>(max_len, 1)));
    // The document's rows of the table, by pointer: they stay in cache over the
    // document's iterations without a copy.
    std::vector<const double*> rows(static_cast<size_t>(std::max<int64_t>(max_len, 1)));
    std::vector<double>* s = nullptr;
    if (sstats_wk) {
      part[static_cast<size_t>(t)].assign(static_cast<size_t>(V * K), 0.0);
      s = &part[static_cast<size_t>(t)];
    }
    for (int64_t j = b; j < e; ++j) {
      const int64_t d = begin + j;
      const int64_t off = X.indptr[d], n = X.indptr[d + 1] - off;
      const int32_t* ids = X.indices + off;
      const double* cts = X.data + off;
      for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = ebp + static_cast<int64_t>(ids[i]) * Kp;
      double* g = gamma.row(j).data();
      lda_exp_dirichlet(g, K, Kp, et.data());
      for (int64_t it = 0; it < o.max_doc_update_iter; ++it) {
        std::copy(g, g + K, last.begin());
        lda_accumulate_rows(rows.data(), cts, n, Kp, et.data(), kEps, acc.data(), ratio.data());
        double change = 0.0;
        for (int64_t k = 0; k < K; ++k) {
          g[k] = o.doc_topic_prior + et[k] * acc[k];
          change += std::abs(g[k] - last[k]);
        }
        lda_exp_dirichlet(g, K, Kp, et.data());
        if (change / static_cast<double>(K) < o.mean_change_tol) break;
      }
      if (s) {
        lda_ratios_rows(rows.data(), cts, n, Kp, et.data(), kEps, ratio.data());
        for (int64_t i = 0; i < n; ++i) {
          double* dst = s->data() + static_cast<int64_t>(ids[i]) * K;
          const double* row = rows[static_cast<size_t>(i)];
          for (int64_t k = 0; k < K; ++k) dst[k] += ratio[i] * et[k] * row[k];
        }
      }
    }
  });
  if (sstats_wk) {
    sstats_wk->assign(static_cast<size_t>(V * K), 0.0);
    for (const auto& p : part) {
      if (p.empty()) continue;
      Eigen::Map<Eigen::VectorXd>(sstats_wk->data(), V * K) += Eigen::Map<const Eigen::VectorXd>(p.data(), V * K);
    }
  }
}

void check_table(const RowMatrixXd& table, const CsrView& X, const char* what) {
  if (table.cols() != X.cols || table.rows() < 1) {
    throw DomainError(std::string("lda: ") + what + " has " + std::to_string(table.cols()) +
                      " columns, the data " + std::to_string(X.cols));
  }
}

}  // namespace

void lda_e_step(const CsrView& X, int64_t begin, int64_t end, const RowMatrixXd& exp_elog_beta,
                const OnlineLdaOptions& options, RowMatrixXd& gamma, RowMatrixXd* sstats) {
  check_table(exp_elog_beta, X, "exp_dirichlet_component");
  const int64_t K = exp_elog_beta.rows(), V = exp_elog_beta.cols();
  const std::vector<double> eb = word_major(exp_elog_beta, options.threads);
  std::vector<double> s;
  e_step_word_major(X, begin, end, eb.data(), K, V, options, gamma, sstats ? &s : nullptr);
  if (sstats) {
    sstats->resize(K, V);
    for (int64_t w = 0; w < V; ++w)
      for (int64_t k = 0; k < K; ++k) (*sstats)(k, w) = s[static_cast<size_t>(w * K + k)];
  }
}

namespace {

// exp E[log β] into the padded word-major table from word-major λ (V×K).
void refresh_exp_table(const std::vector<double>& lw, int64_t K, int64_t V, int threads, std::vector<double>& ebp) {
  const int64_t Kp = lda_padded_topics(K);
  std::vector<double> psi_sum(static_cast<size_t>(K), 0.0);
  for (int64_t w = 0; w < V; ++w)
    for (int64_t k = 0; k < K; ++k) psi_sum[k] += lw[static_cast<size_t>(w * K + k)];
  for (auto& v : psi_sum) v = lda_digamma(v);
  ebp.resize(static_cast<size_t>(V * Kp));
  parallel_for(V, effective_threads(threads, V), [&](int, int64_t b, int64_t e) {
    for (int64_t w = b; w < e; ++w) {
      lda_exp_digamma_shifted(lw.data() + w * K, psi_sum.data(), K, Kp, ebp.data() + w * Kp);
    }
  });
}

}  // namespace

void lda_em_pass(const CsrView& X, const RowMatrixXd& gamma0, bool online, int64_t batch_size,
                 double total_samples, double learning_decay, double learning_offset,
                 const OnlineLdaOptions& options, RowMatrixXd& lambda, RowMatrixXd& exp_elog_beta,
                 int64_t& n_batch_iter) {
  check_table(lambda, X, "components");
  check_table(exp_elog_beta, X, "exp_dirichlet_component");
  const int64_t K = lambda.rows(), V = lambda.cols(), D = X.rows, Kp = lda_padded_topics(K);
  if (gamma0.rows() != D || gamma0.cols() != K) throw DomainError("lda_em_pass: γ⁰ must be D×K");
  if (batch_size < 1) throw DomainError("lda_em_pass: batch_size must be ≥ 1");
  const int64_t step = online ? batch_size : std::max<int64_t>(D, 1);
  // λ and exp E[log β] stay word-major for the whole pass (the layout of the
  // statistics and of the E-step's table); converted back at the end.
  std::vector<double> lw(static_cast<size_t>(V * K));
  for (int64_t k = 0; k < K; ++k)
    for (int64_t w = 0; w < V; ++w) lw[static_cast<size_t>(w * K + k)] = lambda(k, w);
  std::vector<double> ebp = word_major(exp_elog_beta, options.threads);
  std::vector<double> s;
  const double eta = options.topic_word_prior;
  for (int64_t b = 0; b < D; b += step) {
    const int64_t e = std::min(D, b + step);
    RowMatrixXd gamma = gamma0.middleRows(b, e - b);
    e_step_word_major(X, b, e, ebp.data(), K, V, options, gamma, &s);
    if (online) {
      const double rho = std::pow(learning_offset + static_cast<double>(n_batch_iter), -learning_decay);
      const double ratio = total_samples / static_cast<double>(e - b);
      for (size_t i = 0; i < lw.size(); ++i) lw[i] = (1.0 - rho) * lw[i] + rho * (eta + ratio * s[i]);
    } else {
      for (size_t i = 0; i < lw.size(); ++i) lw[i] = eta + s[i];
    }
    refresh_exp_table(lw, K, V, options.threads, ebp);
    ++n_batch_iter;
  }
  for (int64_t k = 0; k < K; ++k)
    for (int64_t w = 0; w < V; ++w) {
      lambda(k, w) = lw[static_cast<size_t>(w * K + k)];
      exp_elog_beta(k, w) = ebp[static_cast<size_t>(w * Kp + k)];
    }
}

RowMatrixXd lda_infer(const CsrView& X, const RowMatrixXd& exp_elog_beta, const OnlineLdaOptions& options) {
  RowMatrixXd gamma = RowMatrixXd::Ones(X.rows, exp_elog_beta.rows());
  lda_e_step(X, 0, X.rows, exp_elog_beta, options, gamma, nullptr);
  return gamma;
}

double lda_approx_bound(const CsrView& X, const RowMatrixXd& lambda, const RowMatrixXd& gamma,
                        const OnlineLdaOptions& options, bool sub_sampling, double total_samples) {
  check_table(lambda, X, "components");
  const int64_t K = lambda.rows(), V = lambda.cols(), D = X.rows;
  if (gamma.rows() != D || gamma.cols() != K) throw DomainError("lda_approx_bound: γ must be D×K");
  const double alpha = options.doc_topic_prior, eta = options.topic_word_prior;
  // E[log β], word-major.
  std::vector<double> elb(static_cast<size_t>(V * K));
  for (int64_t k = 0; k < K; ++k) {
    const double psi_sum = fast_digamma(lambda.row(k).sum());
    for (int64_t w = 0; w < V; ++w) elb[static_cast<size_t>(w * K + k)] = fast_digamma(lambda(k, w)) - psi_sum;
  }
  const int threads = effective_threads(options.threads, std::max<int64_t>(1, D / 8));
  std::vector<double> part(static_cast<size_t>(threads), 0.0);
  const double lg_alpha = std::lgamma(alpha), lg_k_alpha = std::lgamma(static_cast<double>(K) * alpha);
  parallel_for(D, threads, [&](int t, int64_t b, int64_t e) {
    std::vector<double> elog(K), et(K), tmp(K);
    double acc = 0.0;
    for (int64_t d = b; d < e; ++d) {
      const double* g = gamma.row(d).data();
      dirichlet_expectation(g, K, elog.data(), et.data());
      for (int64_t i = X.indptr[d]; i < X.indptr[d + 1]; ++i) {
        const double* row = elb.data() + static_cast<int64_t>(X.indices[i]) * K;
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < K; ++k) mx = std::max(mx, tmp[k] = elog[k] + row[k]);
        double sum = 0.0;
        for (int64_t k = 0; k < K; ++k) sum += std::exp(tmp[k] - mx);
        acc += X.data[i] * (mx + std::log(sum));
      }
      double gsum = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        acc += (alpha - g[k]) * elog[k] + std::lgamma(g[k]) - lg_alpha;
        gsum += g[k];
      }
      acc += lg_k_alpha - std::lgamma(gsum);
    }
    part[static_cast<size_t>(t)] = acc;
  });
  double score = 0.0;
  for (double p : part) score += p;
  if (sub_sampling) score *= total_samples / static_cast<double>(D);
  const double lg_eta = std::lgamma(eta), lg_v_eta = std::lgamma(static_cast<double>(V) * eta);
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t w = 0; w < V; ++w) {
      const double l = lambda(k, w);
      score += (eta - l) * elb[static_cast<size_t>(w * K + k)] + std::lgamma(l) - lg_eta;
    }
    score += lg_v_eta - std::lgamma(lambda.row(k).sum());
  }
  return score;
}

double lda_perplexity(const CsrView& X, double bound, bool sub_sampling, double total_samples) {
  double tokens = X.total();
  if (sub_sampling) tokens *= total_samples / static_cast<double>(X.rows);
  return std::exp(-bound / tokens);
}

}  // namespace elbo::conjugate
