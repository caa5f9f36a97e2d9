// scikit-learn-form LDA (online_lda.hpp): closed-form cases, fixed points, the
// online schedule, and recovery of known topics from a CSR view of a corpus.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "elbo/conjugate/online_lda.hpp"
#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"
#include "synthetic_corpus.hpp"

using namespace elbo::conjugate;
using elbo::conjugate::testing::best_permutation_cosine;
using elbo::conjugate::testing::draw_corpus;

namespace {

// A borrowed CSR view of an io::Corpus (int64 offsets, int32 ids, double counts).
CsrView view_of(const elbo::io::Corpus& c) {
  CsrView v;
  v.indptr = c.offsets.data();
  v.indices = c.word_ids.data();
  v.data = c.counts.data();
  v.rows = c.num_docs();
  v.cols = c.num_words;
  return v;
}

// Two documents over three words: [2, 1, 0] and [0, 3, 4].
struct Tiny {
  std::vector<int64_t> indptr{0, 2, 4};
  std::vector<int32_t> indices{0, 1, 1, 2};
  std::vector<double> data{2, 1, 3, 4};
  CsrView view() const { return CsrView{indptr.data(), indices.data(), data.data(), 2, 3}; }
};

}  // namespace

TEST(OnlineLda, OneTopicIsClosedForm) {
  // K = 1: γ_d = α + N_d after one iteration, λ_w = η + Σ_d n_dw, and the bound is
  // Σ n_w E log β_w + Σ_w [(η − λ_w) E log β_w + ln Γ(λ_w) − ln Γ(η)] + ln Γ(3η) − ln Γ(Σ λ)
  // (the document terms cancel: E log θ = 0).
  const Tiny t;
  OnlineLdaOptions o;
  o.doc_topic_prior = 0.5;
  o.topic_word_prior = 0.2;
  RowMatrixXd lambda = RowMatrixXd::Constant(1, 3, 1.0);
  RowMatrixXd eb = lda_exp_dirichlet_expectation(lambda, 1);
  int64_t n_batch_iter = 1;
  lda_em_pass(t.view(), RowMatrixXd::Ones(2, 1), false, 128, 2, 0.7, 10, o, lambda, eb, n_batch_iter);
  EXPECT_EQ(n_batch_iter, 2);
  EXPECT_NEAR(lambda(0, 0), 2.2, 1e-9);
  EXPECT_NEAR(lambda(0, 1), 4.2, 1e-9);
  EXPECT_NEAR(lambda(0, 2), 4.2, 1e-9);
  const RowMatrixXd gamma = lda_infer(t.view(), eb, o);
  EXPECT_NEAR(gamma(0, 0), 3.5, 1e-9);
  EXPECT_NEAR(gamma(1, 0), 7.5, 1e-9);
  const double psi_sum = std::log(1.0) * 0 + fast_digamma(10.6);
  double expected = std::lgamma(0.6) - std::lgamma(10.6);
  const double counts[3] = {2, 4, 4};
  for (int w = 0; w < 3; ++w) {
    const double l = lambda(0, w), elog = fast_digamma(l) - psi_sum;
    expected += counts[w] * elog + (0.2 - l) * elog + std::lgamma(l) - std::lgamma(0.2);
  }
  const double bound = lda_approx_bound(t.view(), lambda, gamma, o, false, 2);
  EXPECT_NEAR(bound, expected, 1e-9);
  EXPECT_NEAR(lda_perplexity(t.view(), bound, false, 2), std::exp(-expected / 10.0), 1e-9);
  // sub-sampling scales the document part and the token count by total/rows
  EXPECT_NEAR(lda_perplexity(t.view(), bound, true, 4), std::exp(-expected / 20.0), 1e-9);
}

TEST(OnlineLda, EStepReachesItsFixedPoint) {
  const auto s = draw_corpus(4, 50, 40, 80, 0.3, 3);
  const CsrView X = view_of(s.corpus);
  std::mt19937_64 rng(1);
  std::gamma_distribution<double> g(100.0, 0.01);
  RowMatrixXd lambda(4, 50);
  for (Eigen::Index i = 0; i < lambda.size(); ++i) lambda.data()[i] = g(rng);
  const RowMatrixXd eb = lda_exp_dirichlet_expectation(lambda, 2);
  OnlineLdaOptions o;
  o.doc_topic_prior = 0.25;
  o.mean_change_tol = 1e-12;
  o.max_doc_update_iter = 5000;
  o.threads = 2;
  RowMatrixXd gamma = RowMatrixXd::Ones(X.rows, 4);
  RowMatrixXd sstats;
  lda_e_step(X, 0, X.rows, eb, o, gamma, &sstats);
  // γ_dk = α + e_dk Σ_w n_dw b_kw / Σ_j e_dj b_jw, and Σ_k s_kw = Σ_d n_dw (φ sums to one)
  Eigen::VectorXd word_totals = Eigen::VectorXd::Zero(50);
  for (int64_t d = 0; d < X.rows; ++d) {
    Eigen::VectorXd e(4);
    const double psi_sum = fast_digamma(gamma.row(d).sum());
    for (int k = 0; k < 4; ++k) e(k) = std::exp(fast_digamma(gamma(d, k)) - psi_sum);
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(4);
    for (int64_t i = X.indptr[d]; i < X.indptr[d + 1]; ++i) {
      const Eigen::VectorXd b = eb.col(X.indices[i]);
      rhs += X.data[i] * e.cwiseProduct(b) / e.dot(b);
      word_totals(X.indices[i]) += X.data[i];
    }
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(gamma(d, k), 0.25 + rhs(k), 1e-8);
  }
  for (int w = 0; w < 50; ++w) EXPECT_NEAR(sstats.col(w).sum(), word_totals(w), 1e-8);
}

TEST(OnlineLda, OnlineStepsFollowTheSchedule) {
  // One minibatch of all documents, from λ: λ' = (1 − ρ)λ + ρ(η + (D/|B|) s) with
  // ρ = (τ0 + t)^−κ; two minibatches advance the counter twice.
  const auto s = draw_corpus(3, 30, 20, 50, 0.5, 5);
  const CsrView X = view_of(s.corpus);
  OnlineLdaOptions o;
  RowMatrixXd lambda = RowMatrixXd::Constant(3, 30, 1.0);
  lambda(0, 0) = 2.0;
  RowMatrixXd eb = lda_exp_dirichlet_expectation(lambda, 1);
  RowMatrixXd gamma = RowMatrixXd::Ones(20, 3), sstats;
  lda_e_step(X, 0, 20, eb, o, gamma, &sstats);
  const double rho = std::pow(10.0 + 3.0, -0.7);
  const RowMatrixXd expected = (1 - rho) * lambda.array() + rho * (o.topic_word_prior + 100.0 / 20.0 * sstats.array());
  int64_t t = 3;
  lda_em_pass(X, RowMatrixXd::Ones(20, 3), true, 20, 100, 0.7, 10, o, lambda, eb, t);
  EXPECT_EQ(t, 4);
  EXPECT_LT((lambda - expected).cwiseAbs().maxCoeff(), 1e-10);
  lda_em_pass(X, RowMatrixXd::Ones(20, 3), true, 10, 100, 0.7, 10, o, lambda, eb, t);
  EXPECT_EQ(t, 6);
}

TEST(OnlineLda, BatchPassesRecoverKnownTopicsAndRaiseTheBound) {
  const auto s = draw_corpus(5, 60, 400, 100, 0.3, 1);
  const CsrView X = view_of(s.corpus);
  OnlineLdaOptions o;
  o.doc_topic_prior = 0.2;
  o.topic_word_prior = 0.2;
  o.threads = 2;
  std::mt19937_64 rng(7);
  std::gamma_distribution<double> g(100.0, 0.01);
  RowMatrixXd lambda(5, 60);
  for (Eigen::Index i = 0; i < lambda.size(); ++i) lambda.data()[i] = g(rng);
  RowMatrixXd eb = lda_exp_dirichlet_expectation(lambda, 2);
  int64_t t = 1;
  double previous = -INFINITY;
  for (int it = 0; it < 60; ++it) {
    lda_em_pass(X, RowMatrixXd::Ones(X.rows, 5), false, 128, 400, 0.7, 10, o, lambda, eb, t);
    if (it % 10 == 9) {
      const double bound = lda_approx_bound(X, lambda, lda_infer(X, eb, o), o, false, 400);
      EXPECT_GT(bound, previous - 1e-6 * std::abs(bound));
      previous = bound;
    }
  }
  Eigen::MatrixXd topics = lambda;
  for (int k = 0; k < 5; ++k) topics.row(k) /= topics.row(k).sum();
  double worst = 0;
  best_permutation_cosine(s.topics, topics, &worst);
  EXPECT_GE(worst, 0.95);
}

TEST(OnlineLda, RejectsMalformedCsr) {
  Tiny t;
  t.indices[1] = 3;  // outside the 3-word vocabulary
  EXPECT_THROW(t.view().validate(), elbo::DomainError);
  Tiny n;
  n.data[0] = -1;
  EXPECT_THROW(n.view().validate(), elbo::DomainError);
  EXPECT_NO_THROW(Tiny().view().validate());
}
