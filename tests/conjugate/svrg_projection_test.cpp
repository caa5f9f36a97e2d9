// SVRG with local variables: ConjugateModel::project_statistics keeps the control-
// variate statistics valid. Closed-form projections (LDA: clipping; GMM: nearest
// PSD moment matrix), then SVRG runs on LDA and the GMM that would otherwise leave
// the domain of q(β) and must still recover the truth / the CAVI optimum.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "elbo/conjugate/bayes_gmm.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/core/error.hpp"
#include "synthetic_corpus.hpp"

using namespace elbo::conjugate;

using elbo::conjugate::testing::best_permutation_cosine;
using elbo::conjugate::testing::draw_corpus;

namespace {

// Counts the calls of project_statistics that had to change something.
template <class Model>
class CountingProjection : public Model {
 public:
  using Model::Model;
  void project_statistics(BatchStatistics& stats) const override {
    const Eigen::VectorXd before = stats.sufficient;
    Model::project_statistics(stats);
    ++calls;
    if (stats.sufficient != before) ++changed;
  }
  mutable int calls = 0;
  mutable int changed = 0;
};

Eigen::MatrixXd draw_mixture(int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  Eigen::MatrixXd X(n, 2);
  for (int i = 0; i < n; ++i) {
    const int k = i % 3;
    X(i, 0) = 4.0 * k + z(rng);
    X(i, 1) = (k == 1 ? 3.0 : -1.0) + 0.5 * z(rng) + 0.3 * X(i, 0);
  }
  return X;
}

}  // namespace

TEST(ProjectStatistics, LdaClipsNegativeCountsOnly) {
  const auto s = draw_corpus(2, 3, 5, 10, 0.5, 1);
  Lda model(s.corpus, LdaOptions().num_topics(2).threads(1));
  BatchStatistics st;
  st.sufficient = Eigen::VectorXd(6);
  st.sufficient << 1.5, -0.25, 0.0, 3.0, -7.0, 2.0;
  model.project_statistics(st);
  Eigen::VectorXd expected(6);
  expected << 1.5, 0.0, 0.0, 3.0, 0.0, 2.0;
  EXPECT_EQ(st.sufficient, expected);
  // λ̂ of the projected statistics is a valid Dirichlet parameter (≥ η > 0).
  EXPECT_GT(model.global_step(st, 10.0).minCoeff(), 0.0);
}

TEST(ProjectStatistics, GmmMomentMatrixGoesToItsNearestPsdMatrix) {
  // D = 1, K = 1: layout [N, S1, S2]. A = [[S2, S1], [S1, N]] = [[1, 2], [2, 1]] has
  // eigenvalues 3 (eigenvector (1, 1)/√2) and −1 (eigenvector (1, −1)/√2); its
  // nearest PSD matrix in the Frobenius norm is 3·½[[1, 1], [1, 1]].
  Eigen::MatrixXd X(4, 1);
  X << -1.0, 0.0, 1.0, 2.0;
  BayesGmm model(X, BayesGmmOptions().num_components(1).threads(1));
  BatchStatistics st;
  st.sufficient = Eigen::Vector3d(1.0, 2.0, 1.0);
  model.project_statistics(st);
  EXPECT_NEAR(st.sufficient(0), 1.5, 1e-14);  // N
  EXPECT_NEAR(st.sufficient(1), 1.5, 1e-14);  // S1
  EXPECT_NEAR(st.sufficient(2), 1.5, 1e-14);  // S2
  // λ̂ of projected statistics sets without error (α, β, ν valid, W⁻¹ PD) ...
  EXPECT_NO_THROW(model.set_global_parameters(model.global_step(st, 3.0)));
  // ... where the unprojected ones give W⁻¹ = W0⁻¹ + S2 − S1²/(β0 + N) < 0 at scale 3.
  BatchStatistics raw;
  raw.sufficient = Eigen::Vector3d(1.0, 2.0, 1.0);
  EXPECT_THROW(model.set_global_parameters(model.global_step(raw, 3.0)), elbo::NumericalError);
  // A negative count with PSD-compatible rest: N = −1, S1 = 0, S2 = 2 → N clipped to 0.
  st.sufficient = Eigen::Vector3d(-1.0, 0.0, 2.0);
  model.project_statistics(st);
  EXPECT_NEAR(st.sufficient(0), 0.0, 1e-14);
  EXPECT_NEAR(st.sufficient(1), 0.0, 1e-14);
  EXPECT_NEAR(st.sufficient(2), 2.0, 1e-14);
  // Statistics of actual responsibilities are already valid and left exactly as they are.
  const BatchStatistics real = model.local_step_statistics(model.all_points());
  BatchStatistics copy = real;
  model.project_statistics(copy);
  EXPECT_EQ(copy.sufficient, real.sufficient);
}

TEST(NaturalSviSvrg, LdaRunsToTheEndAndRecoversKnownTopics) {
  // With project_statistics a no-op, this very run stops at step 5 with
  // "natural_svi: non-finite global optimum" (negative expected word counts).
  const auto s = draw_corpus(5, 60, 1000, 100, 0.3, 1);
  CountingProjection<Lda> model(s.corpus, LdaOptions().num_topics(5).alpha(0.3).eta(0.05).threads(2)
                                              .local_init(LdaLocalInit::cold));
  Rng rng(3);
  model.initialize(rng);
  NaturalSvi svi(model, NaturalSviOptions().batch_size(100).tau0(1).kappa(0.7).max_steps(150)
                            .svrg_every(5).elbo_every(10).seed(2));
  const auto result = svi.run();
  EXPECT_EQ(result.steps, 150);
  // the projection was exercised (the corrected counts did go negative) ...
  EXPECT_EQ(model.calls, 150);
  EXPECT_GT(model.changed, 0);
  // ... λ stayed a valid Dirichlet parameter and the ELBO finite throughout
  EXPECT_GT(model.global_parameters().minCoeff(), 0.0);
  ASSERT_EQ(result.elbo_trace.size(), 15u);
  for (const auto& [step, elbo] : result.elbo_trace) EXPECT_TRUE(std::isfinite(elbo)) << "step " << step;
  EXPECT_GT(result.elbo_trace.back().second, result.elbo_trace.front().second);
  double worst = 0;
  const double mean = best_permutation_cosine(s.topics, model.topics(), &worst);
  EXPECT_GE(worst, 0.95) << "mean cosine " << mean << " after " << model.changed << " projections";
}

TEST(NaturalSviSvrg, GmmApproachesCaviOptimum) {
  const Eigen::MatrixXd X = draw_mixture(3000, 3);
  BayesGmm batch(X, BayesGmmOptions().num_components(3).threads(2));
  Rng r1(0);
  batch.initialize(r1);
  cavi(batch, CaviOptions().max_iterations(500).tolerance(1e-12));
  CountingProjection<BayesGmm> model(X, BayesGmmOptions().num_components(3).threads(2));
  Rng r2(0);
  model.initialize(r2);
  NaturalSvi svi(model, NaturalSviOptions().batch_size(100).kappa(0.8).tau0(1).max_steps(300)
                            .svrg_every(10).elbo_every(30).seed(4));
  const auto result = svi.run();
  EXPECT_EQ(result.steps, 300);
  for (const auto& [step, elbo] : result.elbo_trace) EXPECT_TRUE(std::isfinite(elbo)) << "step " << step;
  const double cavi_elbo = batch.elbo(batch.local_step_statistics(batch.all_points()));
  EXPECT_NEAR(svi.full_elbo(), cavi_elbo, 1e-3 * std::abs(cavi_elbo)) << model.changed << " projections";
  const auto sa = batch.summary(), sb = model.summary();
  for (int k = 0; k < 3; ++k) {
    double best = INFINITY;
    for (int j = 0; j < 3; ++j) best = std::min(best, (sa.means.row(k) - sb.means.row(j)).norm());
    EXPECT_LT(best, 0.05);
  }
}
