// LDA: recovery of known topics from a corpus drawn from the generative model,
// monotone CAVI ELBO, full-batch unit-rate SVI = CAVI, held-out estimator checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/core/error.hpp"
#include "synthetic_corpus.hpp"

using namespace elbo::conjugate;

using elbo::conjugate::testing::best_permutation_cosine;
using elbo::conjugate::testing::draw_corpus;

TEST(Lda, CaviRecoversKnownTopics) {
  // Batch VB for LDA has local optima (merged topics); as usual, restart from a few
  // random initialisations and keep the fit with the highest ELBO.
  const auto s = draw_corpus(5, 60, 400, 100, 0.3, 1);
  double best_elbo = -INFINITY;
  Eigen::MatrixXd best;
  for (int seed = 0; seed < 4; ++seed) {
    Lda model(s.corpus, LdaOptions().num_topics(5).alpha(0.3).eta(0.05).threads(2));
    Rng rng(seed);
    model.initialize(rng);
    const auto result = cavi(model, CaviOptions().max_iterations(300).tolerance(1e-7));
    if (result.elbo_trace.back() > best_elbo) {
      best_elbo = result.elbo_trace.back();
      best = model.topics();
    }
  }
  double worst = 0;
  const double mean = best_permutation_cosine(s.topics, best, &worst);
  EXPECT_GE(worst, 0.95) << "mean cosine " << mean;
}

TEST(Lda, CaviElboNeverDecreases) {
  const auto s = draw_corpus(4, 40, 150, 60, 0.5, 2);
  Lda model(s.corpus, LdaOptions().num_topics(4).threads(2).local_tolerance(1e-6));
  Rng rng(5);
  model.initialize(rng);
  const auto result = cavi(model, CaviOptions().max_iterations(40).tolerance(0));
  ASSERT_GE(result.elbo_trace.size(), 10u);
  for (size_t i = 1; i < result.elbo_trace.size(); ++i) {
    EXPECT_GE(result.elbo_trace[i],
              result.elbo_trace[i - 1] - 1e-9 * std::abs(result.elbo_trace[i]))
        << "iteration " << i;
  }
  EXPECT_GT(result.elbo_trace.back(), result.elbo_trace.front());
}

TEST(Lda, ElboOfStoredFactorsMatchesFusedPass) {
  // expected_statistics (a separate pass over the stored γ) and the fused local
  // step give the same statistics and bound once γ has converged.
  const auto s = draw_corpus(3, 30, 50, 40, 0.5, 4);
  Lda model(s.corpus, LdaOptions().num_topics(3).threads(1).local_tolerance(1e-12)
                          .local_max_iterations(2000));
  Rng rng(1);
  model.initialize(rng);
  const auto all = model.all_points();
  const auto fused = model.local_step_statistics(all);
  const auto separate = model.expected_statistics(all);
  EXPECT_NEAR((fused.sufficient - separate.sufficient).cwiseAbs().maxCoeff(), 0.0, 1e-8);
  EXPECT_NEAR(fused.local_bound, separate.local_bound, 1e-7 * std::abs(fused.local_bound));
}

TEST(Lda, FullBatchUnitRateSviEqualsCaviStepForStep) {
  const auto s = draw_corpus(3, 30, 60, 40, 0.5, 6);
  auto opts = LdaOptions().num_topics(3).threads(2);
  Lda a(s.corpus, opts), b(s.corpus, opts);
  Rng r1(8), r2(8);
  a.initialize(r1);
  b.initialize(r2);
  NaturalSvi svi(b, NaturalSviOptions().batch_size(b.num_data()).constant_rate(1.0));
  for (int t = 0; t < 5; ++t) {
    cavi_step(a);
    svi.step();
    EXPECT_LE((a.global_parameters() - b.global_parameters()).cwiseAbs().maxCoeff(),
              1e-12 * a.global_parameters().cwiseAbs().maxCoeff())
        << "step " << t;
  }
}

TEST(Lda, MinibatchSviRecoversKnownTopics) {
  const auto s = draw_corpus(5, 60, 2000, 100, 0.3, 1);
  Lda model(s.corpus, LdaOptions().num_topics(5).alpha(0.3).eta(0.05).threads(2)
                          .local_init(LdaLocalInit::cold));
  Rng rng(3);
  model.initialize(rng);
  NaturalSvi svi(model, NaturalSviOptions().batch_size(100).tau0(1).kappa(0.7).max_steps(300).seed(2));
  svi.run();
  double worst = 0;
  best_permutation_cosine(s.topics, model.topics(), &worst);
  EXPECT_GE(worst, 0.95);
}

TEST(Lda, DocumentCompletionOfTrueTopicsBeatsUniform) {
  const auto s = draw_corpus(4, 40, 200, 80, 0.3, 9);
  Rng rng(1);
  auto [obs, ev] = split_document_halves(s.corpus, rng);
  // the two halves partition the tokens
  EXPECT_DOUBLE_EQ(obs.num_tokens() + ev.num_tokens(), s.corpus.num_tokens());
  const double truth = document_completion_score(s.topics, 0.3, obs, ev, 2);
  const Eigen::MatrixXd uniform = Eigen::MatrixXd::Constant(4, 40, 1.0 / 40);
  const double flat = document_completion_score(uniform, 0.3, obs, ev, 2);
  EXPECT_NEAR(flat, -std::log(40.0), 1e-12);  // exact: every word has probability 1/40
  EXPECT_GT(truth, flat + 0.3);
}

TEST(Lda, RejectsBadOptions) {
  const auto s = draw_corpus(2, 10, 5, 10, 0.5, 1);
  EXPECT_THROW(Lda(s.corpus, LdaOptions().num_topics(0)), elbo::ConfigError);
  EXPECT_THROW(Lda(s.corpus, LdaOptions().local_tolerance(-1)), elbo::ConfigError);
}

TEST(Lda, WeightedStatisticsMatchPerDocumentDefinition) {
  const auto s = draw_corpus(3, 30, 40, 30, 0.5, 12);
  Lda model(s.corpus, LdaOptions().num_topics(3).threads(2).local_init(LdaLocalInit::cold));
  Rng rng(2);
  model.initialize(rng);
  const Batch batch{1, 4, 5, 17, 30};
  const std::vector<double> w{0.5, 2.0, 1.0, 3.5, 0.25};
  const auto fast = model.weighted_statistics(batch, w);
  const auto slow = model.ConjugateModel::weighted_statistics(batch, w);
  EXPECT_LT((fast.sufficient - slow.sufficient).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(fast.local_bound, slow.local_bound, 1e-9 * std::abs(slow.local_bound));
}
