// Collapsed VI for LDA: batch CVB0 and stochastic SCVB0 recover known topics.
#include <gtest/gtest.h>

#include "elbo/conjugate/cvb0.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/core/error.hpp"
#include "synthetic_corpus.hpp"

using namespace elbo::conjugate;
using elbo::conjugate::testing::best_permutation_cosine;
using elbo::conjugate::testing::draw_corpus;

TEST(Cvb0, BatchRecoversKnownTopics) {
  const auto s = draw_corpus(5, 60, 400, 100, 0.3, 1);
  Cvb0 model(s.corpus, Cvb0Options().num_topics(5).alpha(0.3).eta(0.05).threads(2).seed(1));
  const int64_t iters = model.fit_batch(300);
  double worst = 0;
  const double mean = best_permutation_cosine(s.topics, model.topics(), &worst);
  EXPECT_GE(worst, 0.95) << "mean " << mean << " after " << iters << " sweeps";
}

TEST(Cvb0, BatchChangeShrinksAndThreadCountDoesNotMatter) {
  const auto s = draw_corpus(3, 30, 80, 50, 0.5, 2);
  Cvb0 one(s.corpus, Cvb0Options().num_topics(3).threads(1).seed(4).tolerance(0));
  Cvb0 two(s.corpus, Cvb0Options().num_topics(3).threads(2).seed(4).tolerance(0));
  std::vector<double> changes;
  one.fit_batch(30, [&](int64_t, double c) { changes.push_back(c); return true; });
  two.fit_batch(30);
  EXPECT_LT(changes.back(), 0.1 * changes.front());
  EXPECT_LT((one.topics() - two.topics()).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(Scvb0, StochasticRecoversKnownTopics) {
  const auto s = draw_corpus(5, 60, 2000, 100, 0.3, 1);
  Cvb0 model(s.corpus, Cvb0Options().num_topics(5).alpha(0.3).eta(0.05).threads(2).seed(3));
  model.fit_stochastic(Scvb0Schedule().batch_size(100).steps(300).tau0(10).kappa(0.7));
  double worst = 0;
  const double mean = best_permutation_cosine(s.topics, model.topics(), &worst);
  EXPECT_GE(worst, 0.95) << "mean " << mean;
}

TEST(Cvb0, RejectsBadOptions) {
  const auto s = draw_corpus(2, 10, 5, 10, 0.5, 1);
  EXPECT_THROW(Cvb0(s.corpus, Cvb0Options().num_topics(0)), elbo::ConfigError);
  Cvb0 m(s.corpus, Cvb0Options().num_topics(2));
  EXPECT_THROW(m.fit_stochastic(Scvb0Schedule().kappa(0.4)), elbo::ConfigError);
}
