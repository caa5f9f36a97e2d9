// scikit-learn-form variational GMM (variational_gmm.hpp): closed-form M-steps, the
// stick-breaking weights, monotone bound, prediction, and the k-means initialiser.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "elbo/conjugate/kmeans.hpp"
#include "elbo/conjugate/variational_gmm.hpp"
#include "elbo/core/error.hpp"

using namespace elbo::conjugate;

namespace {

RowMatrixXd two_clusters(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  RowMatrixXd X(2 * n, 2);
  for (int64_t i = 0; i < 2 * n; ++i) {
    const double c = i < n ? -5.0 : 5.0;
    X(i, 0) = c + z(rng);
    X(i, 1) = 0.5 * c + 0.5 * z(rng);
  }
  return X;
}

VgmmPrior prior_for(const RowMatrixXd& X, int64_t K, CovarianceType type, WeightPriorType wp) {
  VgmmPrior p;
  p.n_components = K;
  p.covariance_type = type;
  p.weight_prior = wp;
  p.weight_concentration = 1.0 / static_cast<double>(K);
  p.mean = X.colwise().mean().transpose();
  p.degrees_of_freedom = static_cast<double>(X.cols());
  const RowMatrixXd c = X.rowwise() - p.mean.transpose();
  const Eigen::MatrixXd cov = c.transpose() * c / static_cast<double>(X.rows() - 1);
  if (type == CovarianceType::full || type == CovarianceType::tied) {
    p.covariance = cov;
  } else if (type == CovarianceType::diag) {
    p.covariance = cov.diagonal().transpose();
  } else {
    p.covariance = RowMatrixXd::Constant(1, 1, cov.diagonal().mean());
  }
  return p;
}

}  // namespace

TEST(VariationalGmm, OneComponentMStepIsClosedForm) {
  // Points (0,0), (2,0), (0,2), (2,2): mean (1,1), biased covariance I; with m0 the
  // data mean, β0 = 1, ν0 = 2, Ψ0 = (4/3) I and reg 0: β = 5, m = (1,1), ν = 6,
  // covariances_ = (Ψ0 + 4 I)/6 = (8/9) I, precisions_cholesky_ = (3/√8) I.
  RowMatrixXd X(4, 2);
  X << 0, 0, 2, 0, 0, 2, 2, 2;
  VgmmPrior p = prior_for(X, 1, CovarianceType::full, WeightPriorType::dirichlet_distribution);
  p.reg_covar = 0.0;
  VgmmState s;
  vgmm_m_step(p, vgmm_statistics_from_labels(X, p.mean, {0, 0, 0, 0}, 1, p.covariance_type, 1), s);
  EXPECT_NEAR(s.mean_precision(0), 5.0, 1e-12);
  EXPECT_NEAR(s.degrees_of_freedom(0), 6.0, 1e-12);
  EXPECT_NEAR(s.means(0, 0), 1.0, 1e-12);
  EXPECT_NEAR(s.means(0, 1), 1.0, 1e-12);
  EXPECT_NEAR(s.covariances(0, 0), 8.0 / 9.0, 1e-12);
  EXPECT_NEAR(s.covariances(0, 1), 0.0, 1e-12);
  EXPECT_NEAR(s.precisions_cholesky(1, 1), 3.0 / std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(s.concentration_a(0), 1.0 + 4.0, 1e-12);
  // diag gives the same numbers on the diagonal; spherical their mean
  VgmmPrior pd = prior_for(X, 1, CovarianceType::diag, WeightPriorType::dirichlet_distribution);
  pd.reg_covar = 0.0;
  VgmmState sd;
  vgmm_m_step(pd, vgmm_statistics_from_labels(X, pd.mean, {0, 0, 0, 0}, 1, pd.covariance_type, 1), sd);
  EXPECT_NEAR(sd.covariances(0, 0), 8.0 / 9.0, 1e-12);
  EXPECT_NEAR(sd.covariances(0, 1), 8.0 / 9.0, 1e-12);
}

TEST(VariationalGmm, StickBreakingWeights) {
  // Hard labels with counts (3, 1, 0): a = 1 + N, b = γ0 + Σ_{j>k} N_j (γ0 = 1/3), and
  // E[π] = a_k/(a_k+b_k) ∏_{j<k} b_j/(a_j+b_j), renormalised.
  RowMatrixXd X(4, 1);
  X << 0.0, 0.1, 0.2, 3.0;
  const VgmmPrior p = prior_for(X, 3, CovarianceType::spherical, WeightPriorType::dirichlet_process);
  VgmmState s;
  vgmm_m_step(p, vgmm_statistics_from_labels(X, p.mean, {0, 0, 0, 1}, 3, p.covariance_type, 1), s);
  const double g0 = 1.0 / 3.0;
  EXPECT_NEAR(s.concentration_a(0), 4.0, 1e-12);
  EXPECT_NEAR(s.concentration_b(0), g0 + 1.0, 1e-12);
  EXPECT_NEAR(s.concentration_b(2), g0, 1e-12);
  const double w0 = 4.0 / (5.0 + g0), w1 = 2.0 / (2.0 + g0) * (1.0 + g0) / (5.0 + g0),
               w2 = 1.0 / (1.0 + g0) * g0 / (2.0 + g0) * (1.0 + g0) / (5.0 + g0);
  const Eigen::VectorXd w = vgmm_weights(WeightPriorType::dirichlet_process, s);
  EXPECT_NEAR(w(0), w0 / (w0 + w1 + w2), 1e-12);
  EXPECT_NEAR(w(2), w2 / (w0 + w1 + w2), 1e-12);
}

TEST(VariationalGmm, FitRaisesTheBoundAndSeparatesClusters) {
  const RowMatrixXd X = two_clusters(300, 1);
  for (auto type : {CovarianceType::full, CovarianceType::tied, CovarianceType::diag, CovarianceType::spherical}) {
    for (auto wp : {WeightPriorType::dirichlet_process, WeightPriorType::dirichlet_distribution}) {
      const VgmmPrior p = prior_for(X, 2, type, wp);
      Rng rng(3);
      const std::vector<int64_t> labels = kmeans_labels(X, 2, 300, 0, 2, rng);
      VgmmState s;
      vgmm_m_step(p, vgmm_statistics_from_labels(X, p.mean, labels, 2, type, 2), s);
      double previous = -INFINITY;
      for (int it = 0; it < 20; ++it) {
        const VgmmFitResult r = vgmm_fit(p, s, X, 1, 0.0, previous, 2);
        EXPECT_GE(r.lower_bound, previous - 1e-8 * std::abs(r.lower_bound));
        previous = r.lower_bound;
      }
      std::vector<int64_t> predicted;
      Eigen::VectorXd lpn;
      RowMatrixXd log_resp;
      vgmm_estimate(type, wp, s, X, p.mean, 2, &log_resp, &lpn, &predicted);
      for (int64_t i = 0; i < X.rows(); ++i) {
        EXPECT_EQ(predicted[i], predicted[i < 300 ? 0 : 599]);
        EXPECT_NEAR(log_resp.row(i).array().exp().sum(), 1.0, 1e-12);
      }
      EXPECT_NE(predicted[0], predicted[599]);
      const Eigen::VectorXd w = vgmm_weights(wp, s);
      EXPECT_NEAR(w(0), 0.5, 0.01);
    }
  }
}

TEST(VariationalGmm, CollapsedComponentIsAnError) {
  // Identical points, no regularisation, a zero prior scatter: zero variance.
  RowMatrixXd X(3, 2);
  X << 1, 1, 1, 1, 1, 1;
  VgmmPrior p = prior_for(X, 2, CovarianceType::diag, WeightPriorType::dirichlet_distribution);
  p.reg_covar = 0.0;
  p.covariance.setZero();
  VgmmState s;
  EXPECT_THROW(vgmm_m_step(p, vgmm_statistics_from_labels(X, p.mean, {0, 0, 0}, 2, p.covariance_type, 1), s),
               elbo::DomainError);
}

TEST(Kmeans, PlusPlusPicksDistinctRowsAndLloydSeparates) {
  const RowMatrixXd X = two_clusters(500, 2);
  Rng rng(5);
  std::vector<int64_t> idx;
  kmeans_plus_plus(X, 2, 2, rng, &idx);
  ASSERT_EQ(idx.size(), 2u);
  EXPECT_NE(idx[0] < 500, idx[1] < 500);  // one seed per cluster
  const std::vector<int64_t> labels = kmeans_labels(X, 2, 300, 0, 2, rng);
  for (int64_t i = 0; i < 1000; ++i) EXPECT_EQ(labels[i], labels[i < 500 ? 0 : 999]);
  EXPECT_NE(labels[0], labels[999]);
}
