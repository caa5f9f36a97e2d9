// The Titsias bound with the inducing inputs at the training inputs is the exact
// GP log marginal likelihood, and the predictions of its optimal q(u) are the
// exact GP's; the exact GP here is an independent dense Cholesky in Eigen.
#include <gtest/gtest.h>

#include <Eigen/Cholesky>

#include <cmath>

#include "elbo/gp/collapsed_bound.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihoods.hpp"
#include "elbo/gp/svgp.hpp"
#include "gp_test_support.hpp"

namespace elbo::gp {
namespace {

struct DenseGp {
  double log_marginal;
  Vector mean, var;
};

DenseGp dense_gp(const Kernel& k, const Matrix& X, const Vector& y, double noise, const Matrix& Xs) {
  Matrix K = k.cross(X, X);
  K.diagonal().array() += noise;
  Eigen::LLT<Matrix> llt(K);
  const Matrix L = llt.matrixL();
  const Vector alpha = llt.solve(y);
  DenseGp out;
  out.log_marginal = -0.5 * y.dot(alpha) - L.diagonal().array().log().sum() -
                     0.5 * static_cast<double>(X.rows()) * std::log(2 * M_PI);
  const Matrix Ks = k.cross(X, Xs);
  out.mean = Ks.transpose() * alpha;
  out.var = k.diag(Xs) - (Ks.array() * llt.solve(Ks).array()).colwise().sum().matrix().transpose();
  return out;
}

TEST(CollapsedBound, WithInducingAtTheInputsIsTheExactGp) {
  for (const char* spec : {"rbf", "matern52+linear"}) {
    Matrix X, Xs;
    Vector y, ys;
    testing::synthetic_regression(40, 2, 21, X, y);
    testing::synthetic_regression(15, 2, 22, Xs, ys);
    auto kernel = make_kernel(spec, 2, 1.3);
    const double noise = 0.05;
    const DenseGp exact = dense_gp(*kernel, X, y, noise, Xs);
    const CollapsedBound bound = collapsed_bound(*kernel, X, y, X, noise, 1e-12);
    EXPECT_NEAR(bound.value, exact.log_marginal, 1e-6) << spec;

    Svgp model(kernel->clone(), std::make_unique<GaussianLikelihood>(noise), X, 1e-12);
    model.q_mean() = bound.q_mean;
    model.q_chol() = bound.q_chol;
    Vector mean, var;
    model.predict_latent(Xs, mean, var, 7);  // batches of 7: the batching is exercised
    EXPECT_LT((mean - exact.mean).cwiseAbs().maxCoeff(), 1e-6) << spec;
    EXPECT_LT((var - exact.var).cwiseAbs().maxCoeff(), 1e-6) << spec;
    // The SVGP ELBO at the collapsed bound's q(u) is the collapsed bound.
    EXPECT_NEAR(model.elbo(X, y, 1.0), bound.value, 1e-6) << spec;
  }
}

TEST(CollapsedBound, FewerInducingPointsGiveALowerBound) {
  Matrix X;
  Vector y;
  testing::synthetic_regression(60, 1, 23, X, y);
  auto kernel = make_kernel("rbf", 1, 0.8);
  const DenseGp exact = dense_gp(*kernel, X, y, 0.04, X);
  double previous = -INFINITY;
  for (int T : {3, 6, 12, 60}) {
    const double b = collapsed_bound(*kernel, X, y, X.topRows(T), 0.04, 1e-10).value;
    EXPECT_LE(b, exact.log_marginal + 1e-6) << T;
    EXPECT_GT(b, previous - 1e-6) << T;  // nested inducing sets: the bound only tightens
    previous = b;
  }
  EXPECT_NEAR(previous, exact.log_marginal, 1e-5);
}

}  // namespace
}  // namespace elbo::gp
