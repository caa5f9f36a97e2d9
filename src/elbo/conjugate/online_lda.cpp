#include "elbo/conjugate/online_lda.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "elbo/conjugate/lda_document_e_step.hpp"
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

int effective_threads(int requested, int64_t work) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(resolve_threads(requested), work)));
}

// dst (cols × rows, row stride dst_stride) = srcᵀ for src (rows × cols, row stride
// src_stride), in 32 × 32 tiles: a plain loop reads one side with a stride of a
// whole row, a cache miss per element (the K × V tables are several MB).
void transpose(const double* src, int64_t rows, int64_t cols, int64_t src_stride, double* dst, int64_t dst_stride,
               int threads) {
  constexpr int64_t kTile = 32;
  const int64_t col_tiles = (cols + kTile - 1) / kTile;
  parallel_for(col_tiles, effective_threads(threads, col_tiles), [&](int, int64_t b, int64_t e) {
    for (int64_t ct = b; ct < e; ++ct) {
      const int64_t c0 = ct * kTile, c1 = std::min(cols, c0 + kTile);
      for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
        const int64_t r1 = std::min(rows, r0 + kTile);
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t r = r0; r < r1; ++r) dst[c * dst_stride + r] = src[r * src_stride + c];
      }
    }
  });
}

// K×V (row-major) → V×Kp (word-major: a word's topics contiguous, as the E-step reads
// them, zero-padded to Kp = lda_padded_topics(K)).
std::vector<double> word_major(const RowMatrixXd& kv, int threads) {
  const int64_t K = kv.rows(), V = kv.cols(), Kp = lda_padded_topics(K);
  std::vector<double> out(static_cast<size_t>(Kp * V), 0.0);
  transpose(kv.data(), K, V, V, out.data(), Kp, threads);
  return out;
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
// sstats_wk (word-major, V·K) accumulated per thread in `part` (kept by the caller
// across minibatches: allocated and faulted in once). `scale`: what the M-step
// multiplies the statistics by before adding η (batch 1, online D_total/|B|).
void e_step_word_major(const CsrView& X, int64_t begin, int64_t end, const double* ebp, int64_t K,
                       int64_t V, const OnlineLdaOptions& o, double scale, RowMatrixXd& gamma,
                       std::vector<double>* sstats_wk, std::vector<std::vector<double>>& part) {
  const int64_t n_docs = end - begin;
  const int64_t Kp = lda_padded_topics(K);
  if (gamma.rows() != n_docs || gamma.cols() != K) {
    throw DomainError("lda_e_step: starting γ must be " + std::to_string(n_docs) + "×" + std::to_string(K));
  }
  const int threads = effective_threads(o.threads, std::max<int64_t>(1, n_docs / 8));
  if (sstats_wk) part.resize(std::max(part.size(), static_cast<size_t>(threads)));
  // λ_kw ≥ η (times ρ online, as is the rest of its update): a document's dropped
  // statistics, times `scale`, summed over the n_docs documents, below 2⁻⁵⁴ η.
  const double sstats_floor =
      0x1p-54 * o.topic_word_prior / (std::max(scale, 1.0) * static_cast<double>(std::max<int64_t>(n_docs, 1)));
  int64_t max_len = 0;
  for (int64_t d = begin; d < end; ++d) max_len = std::max(max_len, X.indptr[d + 1] - X.indptr[d]);
  // Each word's largest entry over the topics: what bounds the share of the topics a
  // document has dropped (lda_document_e_step.hpp).
  std::vector<double> word_max(static_cast<size_t>(V));
  parallel_for(V, effective_threads(o.threads, V), [&](int, int64_t b, int64_t e) {
    for (int64_t w = b; w < e; ++w) word_max[w] = *std::max_element(ebp + w * Kp, ebp + w * Kp + K);
  });
  parallel_for(n_docs, threads, [&](int t, int64_t b, int64_t e) {
    LdaDocumentScratch scratch(K, max_len);
    std::vector<double>& et = scratch.et;
    std::vector<double>& ratio = scratch.ratio;
    // The document's rows of the table, by pointer: they stay in cache over the
    // document's iterations without a copy.
    std::vector<const double*>& rows = scratch.rows;
    std::vector<double>* s = nullptr;
    if (sstats_wk) {
      part[static_cast<size_t>(t)].resize(static_cast<size_t>(V * K));
      std::fill(part[static_cast<size_t>(t)].begin(), part[static_cast<size_t>(t)].end(), 0.0);
      s = &part[static_cast<size_t>(t)];
    }
    for (int64_t j = b; j < e; ++j) {
      const int64_t d = begin + j;
      const int64_t off = X.indptr[d], n = X.indptr[d + 1] - off;
      const int32_t* ids = X.indices + off;
      const double* cts = X.data + off;
      for (int64_t i = 0; i < n; ++i) {
        rows[static_cast<size_t>(i)] = ebp + static_cast<int64_t>(ids[i]) * Kp;
        scratch.row_max[static_cast<size_t>(i)] = word_max[ids[i]];
      }
      double* g = gamma.row(j).data();
      lda_document_e_step(cts, n, K, o, kEps, g, scratch);
      if (s) {
        lda_ratios_rows(rows.data(), cts, n, Kp, et.data(), kEps, ratio.data());
        // The dropped topics' statistics (each ratio_i e_k b_kw, at most
        // e_dropped Σ_i ratio_i max_k b_ik in all) are left out when below
        // `sstats_floor`, this document's share of an ulp of λ.
        double reach = 0.0;
        if (scratch.ended_packed) {
          for (int64_t i = 0; i < n; ++i) reach += ratio[i] * scratch.row_max[i];
        }
        if (scratch.ended_packed && static_cast<double>(K) * scratch.e_dropped * reach <= sstats_floor) {
          const int64_t* act = scratch.active.data();
          const auto A = static_cast<int64_t>(scratch.active.size());
          for (int64_t i = 0; i < n; ++i) {
            double* dst = s->data() + static_cast<int64_t>(ids[i]) * K;
            const double* row = rows[static_cast<size_t>(i)];
            const double r = ratio[i];
            for (int64_t j = 0; j < A; ++j) dst[act[j]] += r * et[act[j]] * row[act[j]];
          }
        } else {
          for (int64_t i = 0; i < n; ++i) {
            double* dst = s->data() + static_cast<int64_t>(ids[i]) * K;
            const double* row = rows[static_cast<size_t>(i)];
            for (int64_t k = 0; k < K; ++k) dst[k] += ratio[i] * et[k] * row[k];
          }
        }
      }
    }
  });
  if (sstats_wk) {
    sstats_wk->resize(static_cast<size_t>(V * K));
    const int64_t n = V * K;
    parallel_for(n, effective_threads(o.threads, n / 4096 + 1), [&](int, int64_t b, int64_t e) {
      double* out = sstats_wk->data();
      std::copy(part[0].begin() + b, part[0].begin() + e, out + b);
      for (int t = 1; t < threads; ++t) {
        const double* p = part[static_cast<size_t>(t)].data();
        for (int64_t i = b; i < e; ++i) out[i] += p[i];
      }
    });
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
  std::vector<std::vector<double>> part;
  e_step_word_major(X, begin, end, eb.data(), K, V, options, 1.0, gamma, sstats ? &s : nullptr, part);
  if (sstats) {
    sstats->resize(K, V);
    transpose(s.data(), V, K, K, sstats->data(), V, options.threads);
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
  transpose(lambda.data(), K, V, V, lw.data(), K, options.threads);
  std::vector<double> ebp = word_major(exp_elog_beta, options.threads);
  std::vector<double> s;
  std::vector<std::vector<double>> part;
  const double eta = options.topic_word_prior;
  for (int64_t b = 0; b < D; b += step) {
    const int64_t e = std::min(D, b + step);
    RowMatrixXd gamma = gamma0.middleRows(b, e - b);
    const double scale = online ? total_samples / static_cast<double>(e - b) : 1.0;
    e_step_word_major(X, b, e, ebp.data(), K, V, options, scale, gamma, &s, part);
    if (online) {
      const double rho = std::pow(learning_offset + static_cast<double>(n_batch_iter), -learning_decay);
      for (size_t i = 0; i < lw.size(); ++i) lw[i] = (1.0 - rho) * lw[i] + rho * (eta + scale * s[i]);
    } else {
      for (size_t i = 0; i < lw.size(); ++i) lw[i] = eta + s[i];
    }
    refresh_exp_table(lw, K, V, options.threads, ebp);
    ++n_batch_iter;
  }
  transpose(lw.data(), V, K, K, lambda.data(), V, options.threads);
  transpose(ebp.data(), V, K, Kp, exp_elog_beta.data(), V, options.threads);
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
  // E[log β] and exp of it, word-major (rows of λ in parallel, then transposed).
  RowMatrixXd elb_kv(K, V), eb_kv(K, V);
  std::vector<double> lambda_terms(static_cast<size_t>(K), 0.0);  // the λ-against-η terms, per topic
  const double lg_eta = std::lgamma(eta), lg_v_eta = std::lgamma(static_cast<double>(V) * eta);
  parallel_for(K, effective_threads(options.threads, K), [&](int, int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const double row_sum = lambda.row(k).sum();
      const double psi_sum = fast_digamma(row_sum);
      double terms = lg_v_eta - std::lgamma(row_sum);
      for (int64_t w = 0; w < V; ++w) {
        const double l = lambda(k, w), el = fast_digamma(l) - psi_sum;
        elb_kv(k, w) = el;
        eb_kv(k, w) = std::exp(el);
        terms += (eta - l) * el + std::lgamma(l) - lg_eta;
      }
      lambda_terms[static_cast<size_t>(k)] = terms;
    }
  });
  std::vector<double> elb(static_cast<size_t>(V * K)), eb(static_cast<size_t>(V * K));
  transpose(elb_kv.data(), K, V, V, elb.data(), K, options.threads);
  transpose(eb_kv.data(), K, V, V, eb.data(), K, options.threads);
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
        // log Σ_k exp(E log θ_k + E log β_kw) = log Σ_k θ̃_k β̃_kw: a dot product of
        // the exponentiated tables, unless it is so small that terms may have
        // underflowed — then the log-sum-exp, as scikit-learn computes it throughout.
        const int64_t w = X.indices[i];
        const double* erow = eb.data() + w * K;
        double dot = 0.0;
        for (int64_t k = 0; k < K; ++k) dot += et[k] * erow[k];
        if (dot > 1e-280) {
          acc += X.data[i] * std::log(dot);
          continue;
        }
        const double* row = elb.data() + w * K;
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
  for (double t : lambda_terms) score += t;
  return score;
}

double lda_perplexity(const CsrView& X, double bound, bool sub_sampling, double total_samples) {
  double tokens = X.total();
  if (sub_sampling) tokens *= total_samples / static_cast<double>(X.rows);
  return std::exp(-bound / tokens);
}

}  // namespace elbo::conjugate
