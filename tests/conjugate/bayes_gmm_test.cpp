// Bayesian GMM: agreement with scikit-learn's BayesianGaussianMixture on iris and
// wine (tests/reference/conjugate/generate.py), monotone CAVI ELBO, S = M unit-rate
// SVI = CAVI, minibatch SVI close to the CAVI optimum.
#include <gtest/gtest.h>

#include <Eigen/LU>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>

#include "elbo/conjugate/bayes_gmm.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/gmm_predict.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"

using namespace elbo::conjugate;

namespace {

nlohmann::json reference() {
  std::ifstream in(ELBO_SOURCE_DIR "/tests/reference/conjugate/bayes_gmm_sklearn.json");
  return nlohmann::json::parse(in);
}

Eigen::MatrixXd load_features(const std::string& name, const std::vector<std::string>& columns) {
  const auto table = elbo::io::read_csv(std::string(ELBO_SHARED_DATA_DIR) + "/" + name + "/" + name + ".csv");
  Eigen::MatrixXd X(table.rows, static_cast<Eigen::Index>(columns.size()));
  for (size_t j = 0; j < columns.size(); ++j) {
    const int64_t c = table.column_index(columns[j]);
    for (int64_t i = 0; i < table.rows; ++i) X(i, static_cast<Eigen::Index>(j)) = table.at(i, c);
  }
  return X;
}

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

class GmmAgreesWithSklearn : public ::testing::TestWithParam<int> {};

TEST_P(GmmAgreesWithSklearn, ConvergedMeansWeightsCovariances) {
  const auto fit = reference()["fits"][GetParam()];
  const auto columns = fit["columns"].get<std::vector<std::string>>();
  const Eigen::MatrixXd X = load_features(fit["dataset"].get<std::string>(), columns);
  const int K = fit["components"].get<int>();
  BayesGmm model(X, BayesGmmOptions().num_components(K).threads(2));
  model.initialize_from_labels(fit["initial_labels"].get<std::vector<int64_t>>());
  const auto result = cavi(model, CaviOptions().max_iterations(5000).tolerance(1e-15));
  const GmmSummary s = model.summary();
  const auto means = fit["means"];
  const auto weights = fit["weights"];
  const auto covs = fit["covariances"];
  for (int k = 0; k < K; ++k) {
    EXPECT_NEAR(s.weights(k), weights[k].get<double>(), 1e-6) << "component " << k;
    for (int d = 0; d < X.cols(); ++d) {
      const double ref = means[k][d].get<double>();
      EXPECT_NEAR(s.means(k, d), ref, 1e-6 * std::max(1.0, std::abs(ref)))
          << "component " << k << " feature " << d << " after " << result.iterations;
      for (int e = 0; e < X.cols(); ++e) {
        const double rc = covs[k][d][e].get<double>();
        EXPECT_NEAR(s.covariances[k](d, e), rc, 1e-5 * std::max(1.0, std::abs(rc)));
      }
    }
    // N_k = ν_k − ν0 = β_k − β0: relative 1e-6 (sklearn stops at its own tolerance)
    const double nu_ref = fit["degrees_of_freedom"][k].get<double>();
    EXPECT_NEAR(s.nu(k), nu_ref, 1e-6 * nu_ref);
    const double beta_ref = fit["mean_precision"][k].get<double>();
    EXPECT_NEAR(s.beta(k), beta_ref, 1e-6 * beta_ref);
  }
}

INSTANTIATE_TEST_SUITE_P(IrisWine, GmmAgreesWithSklearn, ::testing::Values(0, 1));

TEST(BayesGmm, CaviElboNeverDecreases) {
  const Eigen::MatrixXd X = draw_mixture(600, 1);
  for (int K : {2, 3, 5}) {
    BayesGmm model(X, BayesGmmOptions().num_components(K).threads(2).kmeans_iterations(1));
    Rng rng(K);
    model.initialize(rng);
    const auto r = cavi(model, CaviOptions().max_iterations(100).tolerance(0));
    for (size_t i = 1; i < r.elbo_trace.size(); ++i) {
      EXPECT_GE(r.elbo_trace[i], r.elbo_trace[i - 1] - 1e-9 * std::abs(r.elbo_trace[i]))
          << "K = " << K << ", iteration " << i;
    }
  }
}

TEST(BayesGmm, FullBatchUnitRateSviEqualsCaviStepForStep) {
  const Eigen::MatrixXd X = draw_mixture(300, 2);
  BayesGmm a(X, BayesGmmOptions().num_components(3).threads(2));
  BayesGmm b(X, BayesGmmOptions().num_components(3).threads(2));
  Rng ra(1), rb(1);
  a.initialize(ra);
  b.initialize(rb);
  NaturalSvi svi(b, NaturalSviOptions().batch_size(300).constant_rate(1.0));
  for (int t = 0; t < 5; ++t) {
    cavi_step(a);
    svi.step();
    EXPECT_LE((a.global_parameters() - b.global_parameters()).cwiseAbs().maxCoeff(),
              1e-12 * a.global_parameters().cwiseAbs().maxCoeff());
  }
}

TEST(BayesGmm, MinibatchSviApproachesCaviOptimum) {
  const Eigen::MatrixXd X = draw_mixture(3000, 3);
  BayesGmm batch(X, BayesGmmOptions().num_components(3).threads(2));
  Rng r1(0);
  batch.initialize(r1);
  cavi(batch, CaviOptions().max_iterations(500).tolerance(1e-12));
  BayesGmm model(X, BayesGmmOptions().num_components(3).threads(2));
  Rng r2(0);
  model.initialize(r2);
  NaturalSvi svi(model, NaturalSviOptions().batch_size(300).kappa(0.8).tau0(1).max_steps(400).seed(4));
  svi.run();
  const double cavi_elbo = batch.elbo(batch.local_step_statistics(batch.all_points()));
  const double svi_elbo = svi.full_elbo();
  EXPECT_NEAR(svi_elbo, cavi_elbo, 1e-3 * std::abs(cavi_elbo));
  // means agree up to label permutation: match each SVI mean to the nearest CAVI mean
  const auto sa = batch.summary(), sb = model.summary();
  for (int k = 0; k < 3; ++k) {
    double best = INFINITY;
    for (int j = 0; j < 3; ++j) best = std::min(best, (sa.means.row(k) - sb.means.row(j)).norm());
    EXPECT_LT(best, 0.05);
  }
  model.set_heldout(draw_mixture(500, 9));
  batch.set_heldout(draw_mixture(500, 9));
  EXPECT_NEAR(*model.heldout_score(), *batch.heldout_score(), 0.01);
}

TEST(BayesGmm, SubsampleSeededKmeansReachesTheFullDataOptimum) {
  // k-means++ and a first Lloyd run on 300 of the 3000 points, then Lloyd on all of
  // them, must start CAVI in the same basin as k-means on all the data: the same
  // converged ELBO and means (up to label order) as the full-data initialisation.
  const Eigen::MatrixXd X = draw_mixture(3000, 5);
  BayesGmm full(X, BayesGmmOptions().num_components(3).threads(2).kmeans_subsample(1 << 30));
  BayesGmm sub(X, BayesGmmOptions().num_components(3).threads(2).kmeans_subsample(300));
  Rng r1(3), r2(3);
  full.initialize(r1);
  sub.initialize(r2);
  cavi(full, CaviOptions().max_iterations(1000).tolerance(1e-13));
  cavi(sub, CaviOptions().max_iterations(1000).tolerance(1e-13));
  const double a = full.elbo(full.local_step_statistics(full.all_points()));
  const double b = sub.elbo(sub.local_step_statistics(sub.all_points()));
  EXPECT_NEAR(a, b, 1e-9 * std::abs(a));
  const auto sa = full.summary(), sb = sub.summary();
  for (int k = 0; k < 3; ++k) {
    double best = INFINITY;
    for (int j = 0; j < 3; ++j) best = std::min(best, (sa.means.row(k) - sb.means.row(j)).norm());
    EXPECT_LT(best, 1e-6);
  }
}

TEST(BayesGmm, HeldoutScoreOfOneComponentIsStudentT) {
  // K = 1: the posterior predictive is one Student-t; check against a direct
  // evaluation at one point from the summary (Bishop 10.81 with α-weight 1).
  const Eigen::MatrixXd X = draw_mixture(200, 5);
  BayesGmm model(X, BayesGmmOptions().num_components(1));
  Rng r(0);
  model.initialize(r);
  cavi(model, CaviOptions().max_iterations(50));
  const auto s = model.summary();
  const double D = 2, nu = s.nu(0), beta = s.beta(0);
  const double dof = nu + 1 - D;
  // W = (ν Σ)⁻¹ / ... : covariances = (νW)⁻¹, so W = (ν covariances)⁻¹
  const Eigen::MatrixXd W = (nu * s.covariances[0]).inverse();
  const Eigen::MatrixXd L = dof * beta / (1 + beta) * W;
  Eigen::MatrixXd x(1, 2);
  x << 1.0, 2.0;
  const Eigen::VectorXd d = x.row(0).transpose() - s.means.row(0).transpose();
  const double ref = std::lgamma(0.5 * (dof + D)) - std::lgamma(0.5 * dof) -
                     0.5 * D * std::log(dof * M_PI) + 0.5 * std::log(L.determinant()) -
                     0.5 * (dof + D) * std::log1p(d.dot(L * d) / dof);
  model.set_heldout(x);
  EXPECT_NEAR(*model.heldout_score(), ref, 1e-10);
}

TEST(BayesGmm, RejectsBadOptions) {
  const Eigen::MatrixXd X = draw_mixture(30, 1);
  EXPECT_THROW(BayesGmm(X, BayesGmmOptions().num_components(0)), elbo::ConfigError);
  EXPECT_THROW(BayesGmm(X, BayesGmmOptions().num_components(31)), elbo::ConfigError);
  EXPECT_THROW(BayesGmm(X, BayesGmmOptions().degrees_of_freedom_prior(0.5)), elbo::ConfigError);
}

TEST(BayesGmm, WeightedStatisticsMatchPerPointDefinition) {
  const Eigen::MatrixXd X = draw_mixture(200, 6);
  BayesGmm model(X, BayesGmmOptions().num_components(3).threads(2));
  const Batch batch{0, 3, 7, 50, 51, 199};
  const std::vector<double> w{1.0, 0.2, 3.0, 2.5, 0.7, 1.1};
  const auto fast = model.weighted_statistics(batch, w);
  const auto slow = model.ConjugateModel::weighted_statistics(batch, w);
  EXPECT_LT((fast.sufficient - slow.sufficient).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(fast.local_bound, slow.local_bound, 1e-10);
}

// gmm_predict_proba (what `elbo predict` uses, from the saved summary alone)
// equals the responsibilities of the model's own (blocked, centred) E-step.
TEST(BayesGmmPredict, ProbabilitiesEqualTheLastEStep) {
  const Eigen::MatrixXd X = load_features("iris", {"sepal_length", "sepal_width", "petal_length", "petal_width"});
  BayesGmm model(X, BayesGmmOptions().num_components(3).threads(1));
  Rng rng(3);
  model.initialize(rng);
  cavi(model, CaviOptions().max_iterations(20));
  Batch all(static_cast<size_t>(X.rows()));
  for (Eigen::Index n = 0; n < X.rows(); ++n) all[static_cast<size_t>(n)] = n;
  model.local_step(all);
  const Eigen::MatrixXd predicted = gmm_predict_proba(model.summary(), X);
  ASSERT_EQ(predicted.rows(), X.rows());
  ASSERT_EQ(predicted.cols(), 3);
  EXPECT_LT((predicted - model.responsibilities()).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_THROW(gmm_predict_proba(model.summary(), X.leftCols(2)), elbo::DomainError);
}
