// One document's LDA E-step with dropped topics left out of the inner loops
// (lda_document_e_step.hpp) against the E-step written out in full here: the same
// γ to rounding, the same statistics, whether or not topics drop out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "elbo/conjugate/lda_document_e_step.hpp"
#include "elbo/conjugate/lda_kernel.hpp"
#include "elbo/conjugate/online_lda.hpp"
#include "elbo/conjugate/special.hpp"
#include "synthetic_corpus.hpp"

using namespace elbo::conjugate;

namespace {

constexpr double kEps = 0x1p-52;

// sklearn's _update_doc_distribution for one document, every topic every time.
std::vector<double> full_e_step(const RowMatrixXd& eb, const std::vector<int32_t>& ids,
                                const std::vector<double>& counts, const OnlineLdaOptions& o,
                                std::vector<double> g) {
  const auto K = static_cast<int64_t>(g.size());
  auto exp_elog = [&](const std::vector<double>& x) {
    double sum = 0;
    for (double v : x) sum += v;
    std::vector<double> e(K);
    for (int64_t k = 0; k < K; ++k) e[k] = std::exp(fast_digamma(x[k]) - fast_digamma(sum));
    return e;
  };
  std::vector<double> e = exp_elog(g);
  for (int64_t it = 0; it < o.max_doc_update_iter; ++it) {
    std::vector<double> next(K, o.doc_topic_prior);
    for (size_t i = 0; i < ids.size(); ++i) {
      double norm = kEps;
      for (int64_t k = 0; k < K; ++k) norm += e[k] * eb(k, ids[i]);
      for (int64_t k = 0; k < K; ++k) next[k] += e[k] * counts[i] * eb(k, ids[i]) / norm;
    }
    double change = 0;
    for (int64_t k = 0; k < K; ++k) change += std::abs(next[k] - g[k]);
    g = next;
    e = exp_elog(g);
    if (change / static_cast<double>(K) < o.mean_change_tol) break;
  }
  return g;
}

struct Case {
  RowMatrixXd eb;        // exp E[log β], K × V
  std::vector<double> table, word_max;  // word-major, padded; max over topics
  elbo::conjugate::testing::Synthetic corpus;
};

Case make_case(int K, int V, int D, unsigned seed) {
  Case c{RowMatrixXd(K, V), {}, {}, elbo::conjugate::testing::draw_corpus(K, V, D, 120, 0.05, seed)};
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> draw(0.3, 3.0);  // uneven topics, as after a few passes
  RowMatrixXd lambda(K, V);
  for (Eigen::Index i = 0; i < lambda.size(); ++i) lambda.data()[i] = 0.01 + draw(rng);
  c.eb = lda_exp_dirichlet_expectation(lambda, 1);
  const int64_t Kp = lda_padded_topics(K);
  c.table.assign(static_cast<size_t>(V * Kp), 0.0);
  c.word_max.assign(static_cast<size_t>(V), 0.0);
  for (int w = 0; w < V; ++w) {
    for (int k = 0; k < K; ++k) c.table[w * Kp + k] = c.eb(k, w);
    c.word_max[w] = c.eb.col(w).maxCoeff();
  }
  return c;
}

// Runs both on every document; returns how many ended on their active topics.
int compare_documents(const Case& c, const OnlineLdaOptions& o, double rel_tol) {
  const auto& corpus = c.corpus.corpus;
  const int64_t K = c.eb.rows(), Kp = lda_padded_topics(K);
  int64_t max_len = 0;
  for (int64_t d = 0; d < corpus.num_docs(); ++d) max_len = std::max(max_len, corpus.offsets[d + 1] - corpus.offsets[d]);
  LdaDocumentScratch s(K, max_len);
  std::mt19937_64 rng(7);
  std::gamma_distribution<double> start(100.0, 0.01);  // sklearn's γ⁰
  int packed = 0;
  for (int64_t d = 0; d < corpus.num_docs(); ++d) {
    const int64_t off = corpus.offsets[d], n = corpus.offsets[d + 1] - off;
    std::vector<int32_t> ids(corpus.word_ids.begin() + off, corpus.word_ids.begin() + off + n);
    std::vector<double> counts(corpus.counts.begin() + off, corpus.counts.begin() + off + n);
    for (int64_t i = 0; i < n; ++i) {
      s.rows[i] = c.table.data() + ids[i] * Kp;
      s.row_max[i] = c.word_max[ids[i]];
    }
    std::vector<double> g0(K);
    for (auto& v : g0) v = start(rng);
    std::vector<double> g = g0;
    lda_document_e_step(counts.data(), n, K, o, kEps, g.data(), s);
    const std::vector<double> expected = full_e_step(c.eb, ids, counts, o, g0);
    for (int64_t k = 0; k < K; ++k) {
      EXPECT_NEAR(g[k], expected[k], rel_tol * std::max(1.0, expected[k])) << "document " << d << " topic " << k;
    }
    // e returned for the statistics: exp E[log θ] of the final γ, zero padding.
    double sum = 0;
    for (double v : g) sum += v;
    for (int64_t k = 0; k < K; ++k) {
      const double e = std::exp(fast_digamma(g[k]) - fast_digamma(sum));
      EXPECT_NEAR(s.et[k], e, 1e-12 * e + 1e-300);
    }
    for (int64_t k = K; k < Kp; ++k) EXPECT_EQ(s.et[k], 0.0);
    packed += s.ended_packed;
  }
  return packed;
}

}  // namespace

TEST(LdaDocumentEStep, SparsePriorDropsTopicsAndGivesTheFullEStep) {
  // α = 0.01 over 100 topics: documents keep a few, the rest fall to α exactly.
  const Case c = make_case(100, 300, 60, 11);
  OnlineLdaOptions o;
  o.doc_topic_prior = 0.01;
  const int packed = compare_documents(c, o, 1e-9);
  EXPECT_GT(packed, 50);  // the reduced path is what ran, for almost every document
}

TEST(LdaDocumentEStep, TightToleranceFollowsTheFullEStepToItsFixedPoint) {
  const Case c = make_case(40, 200, 30, 12);
  OnlineLdaOptions o;
  o.doc_topic_prior = 0.01;
  o.mean_change_tol = 1e-10;
  o.max_doc_update_iter = 1000;
  EXPECT_GT(compare_documents(c, o, 1e-9), 20);
}

TEST(LdaDocumentEStep, NoTopicDropsUnderAFlatterPrior) {
  // α = 0.05 (and above): e^ψ(α) ≈ 1e-9 is never below an ulp of α, so no γ_k is
  // ever exactly α and every step is the full one.
  const Case c = make_case(24, 150, 30, 13);
  for (double alpha : {0.05, 1.0}) {
    OnlineLdaOptions o;
    o.doc_topic_prior = alpha;
    EXPECT_EQ(compare_documents(c, o, 1e-11), 0);
  }
}

TEST(LdaDocumentEStep, StatisticsOfTheEStepMatchTheFullOnes) {
  // lda_e_step's statistics s_kw = Σ_d n_dw e_dk b_kw / φnorm_dw, recomputed in full
  // from the γ it returns.
  const Case c = make_case(100, 300, 60, 14);
  const auto& corpus = c.corpus.corpus;
  const CsrView X{corpus.offsets.data(), corpus.word_ids.data(), corpus.counts.data(), corpus.num_docs(),
                  corpus.num_words};
  OnlineLdaOptions o;
  o.doc_topic_prior = 0.01;
  o.threads = 2;
  RowMatrixXd gamma = RowMatrixXd::Ones(X.rows, 100), sstats;
  lda_e_step(X, 0, X.rows, c.eb, o, gamma, &sstats);
  RowMatrixXd expected = RowMatrixXd::Zero(100, X.cols);
  for (int64_t d = 0; d < X.rows; ++d) {
    Eigen::VectorXd e(100);
    const double psi_sum = fast_digamma(gamma.row(d).sum());
    for (int k = 0; k < 100; ++k) e(k) = std::exp(fast_digamma(gamma(d, k)) - psi_sum);
    for (int64_t i = X.indptr[d]; i < X.indptr[d + 1]; ++i) {
      const Eigen::VectorXd b = c.eb.col(X.indices[i]);
      expected.col(X.indices[i]) += X.data[i] * e.cwiseProduct(b) / (e.dot(b) + kEps);
    }
  }
  // Entries of s below ~1e-30 are the dropped topics' (left out): what counts is
  // that λ = η + s is unchanged, so compare against η's scale.
  EXPECT_LT((sstats - expected).cwiseAbs().maxCoeff(), 1e-12 * (o.topic_word_prior + 1.0));
  EXPECT_LT((sstats - expected).cwiseAbs().maxCoeff() / expected.cwiseAbs().maxCoeff(), 1e-12);
}
