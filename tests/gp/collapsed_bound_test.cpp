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


// The bound's gradient (kernel θ, log σ², Z) against central differences of its
// value, and against the SVGP ELBO's gradient at the optimal q(v) (the envelope
// theorem the gradient is computed by).
TEST(CollapsedBound, GradientMatchesFiniteDifferencesAndTheSvgpRoute) {
  for (const char* spec : {"rbf", "matern52+linear"}) {
    Matrix X;
    Vector y;
    testing::synthetic_regression(50, 2, 31, X, y);
    auto kernel = make_kernel(spec, 2, 1.1);
    const Matrix Z = X.topRows(9).array() + 0.1;
    const double noise = 0.07, jitter = 1e-10;
    CollapsedBoundGradient g;
    const double value = collapsed_bound(*kernel, X, y, Z, noise, jitter, &g).value;
    EXPECT_NEAR(value, collapsed_bound(*kernel, X, y, Z, noise, jitter).value, 1e-10) << spec;

    const Eigen::Index P = kernel->num_params(), TD = Z.size();
    Vector x(P + 1 + TD);
    x.head(P) = kernel->all_params();
    x[P] = std::log(noise);
    x.tail(TD) = Eigen::Map<const Vector>(Z.data(), TD);
    auto f = [&](const Vector& p) {
      auto k = kernel->clone();
      k->set_all_params(p.head(P));
      const Matrix Zp = Eigen::Map<const Matrix>(p.data() + P + 1, Z.rows(), Z.cols());
      return collapsed_bound(*k, X, y, Zp, std::exp(p[P]), jitter).value;
    };
    const Vector numeric = testing::numeric_gradient(f, x);
    Vector analytic(x.size());
    analytic.head(P) = g.kernel;
    analytic[P] = g.log_noise;
    analytic.tail(TD) = Eigen::Map<const Vector>(g.inducing.data(), TD);
    EXPECT_LT((analytic - numeric).cwiseAbs().maxCoeff(), 1e-5 * (1 + numeric.cwiseAbs().maxCoeff())) << spec;
    EXPECT_GT(numeric.cwiseAbs().maxCoeff(), 0.1) << spec;  // a real gradient, not zeros

    Svgp model(kernel->clone(), std::make_unique<GaussianLikelihood>(noise), Z, jitter);
    SvgpGradient sg;
    EXPECT_NEAR(model.natural_step_then_elbo(X, y, 1.0, 1.0, 1.0, &sg), value, 1e-8) << spec;
    EXPECT_LT((sg.kernel - g.kernel).cwiseAbs().maxCoeff(), 1e-7) << spec;
    EXPECT_NEAR(sg.likelihood[0], g.log_noise, 1e-7) << spec;
    EXPECT_LT((sg.inducing - g.inducing).cwiseAbs().maxCoeff(), 1e-7) << spec;
  }
}

}  // namespace
}  // namespace elbo::gp
