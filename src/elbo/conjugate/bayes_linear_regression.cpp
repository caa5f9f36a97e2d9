#include "elbo/conjugate/bayes_linear_regression.hpp"

#include <Eigen/Cholesky>
#include <boost/math/special_functions/digamma.hpp>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::conjugate {

namespace {

struct View {
  Eigen::VectorXd pm;
  Eigen::MatrixXd P;
  double a, b;
};

View unpack(const Eigen::VectorXd& lambda, int d) {
  View v;
  v.pm = lambda.head(d);
  v.P = Eigen::Map<const Eigen::MatrixXd>(lambda.data() + d, d, d);
  v.a = lambda(d + d * d);
  v.b = lambda(d + d * d + 1);
  return v;
}

Eigen::VectorXd pack(const Eigen::VectorXd& pm, const Eigen::MatrixXd& P, double a, double b) {
  const int d = static_cast<int>(pm.size());
  Eigen::VectorXd out(d + d * d + 2);
  out.head(d) = pm;
  Eigen::Map<Eigen::MatrixXd>(out.data() + d, d, d) = P;
  out(d + d * d) = a;
  out(d + d * d + 1) = b;
  return out;
}
}  // namespace

BayesLinearRegression::BayesLinearRegression(Eigen::MatrixXd X, Eigen::VectorXd y,
                                             BayesLinearRegressionPrior prior)
    : X_(std::move(X)), y_(std::move(y)), prior_(std::move(prior)) {
  const auto d = X_.cols();
  if (y_.size() != X_.rows()) {
    throw DomainError("bayes_linear_regression: y has " + std::to_string(y_.size()) +
                      " entries, but X has " + std::to_string(X_.rows()) + " rows");
  }
  if (prior_.m0.size() != d || prior_.L0.rows() != d || prior_.L0.cols() != d) {
    throw DomainError("bayes_linear_regression: prior m0/L0 must have dimension " +
                      std::to_string(d));
  }
  if (!(prior_.a0 > 0) || !(prior_.b0 > 0)) {
    throw DomainError("bayes_linear_regression: a0 and b0 must be positive");
  }
  Rng rng(0);
  initialize(rng);
}

void BayesLinearRegression::initialize(Rng&) {
  // q(β) = prior at τ = 1, q(τ) = prior: deterministic (there is nothing to break).
  const int d = dim();
  lambda_ = pack(prior_.L0 * prior_.m0, prior_.L0, prior_.a0, prior_.b0);
  (void)d;
}

void BayesLinearRegression::set_global_parameters(const Eigen::VectorXd& lambda) {
  if (lambda.size() != lambda_.size()) {
    throw DomainError("bayes_linear_regression: global parameter vector has " +
                      std::to_string(lambda.size()) + " entries, expected " +
                      std::to_string(lambda_.size()));
  }
  lambda_ = lambda;
}

BatchStatistics BayesLinearRegression::expected_statistics(const Batch& batch) const {
  const int d = dim();
  Eigen::MatrixXd Xb(static_cast<Eigen::Index>(batch.size()), d);
  Eigen::VectorXd yb(static_cast<Eigen::Index>(batch.size()));
  for (size_t i = 0; i < batch.size(); ++i) {
    Xb.row(static_cast<Eigen::Index>(i)) = X_.row(batch[i]);
    yb(static_cast<Eigen::Index>(i)) = y_(batch[i]);
  }
  BatchStatistics s;
  s.size = static_cast<int64_t>(batch.size());
  s.sufficient.resize(d + d * d + 2);
  s.sufficient.head(d) = Xb.transpose() * yb;
  Eigen::Map<Eigen::MatrixXd>(s.sufficient.data() + d, d, d) = Xb.transpose() * Xb;
  s.sufficient(d + d * d) = yb.squaredNorm();
  s.sufficient(d + d * d + 1) = static_cast<double>(batch.size());
  return s;
}

Eigen::VectorXd BayesLinearRegression::global_step(const BatchStatistics& stats,
                                                   double scale) const {
  const int d = dim();
  const View cur = unpack(lambda_, d);
  const Eigen::VectorXd Xty = scale * stats.sufficient.head(d);
  const Eigen::MatrixXd XtX =
      scale * Eigen::Map<const Eigen::MatrixXd>(stats.sufficient.data() + d, d, d);
  const double yty = scale * stats.sufficient(d + d * d);
  const double n = scale * stats.sufficient(d + d * d + 1);

  // q(β) given q(τ).
  const double e_tau = cur.a / cur.b;
  const Eigen::MatrixXd A = prior_.L0 + XtX;
  const Eigen::VectorXd rhs = prior_.L0 * prior_.m0 + Xty;
  const Eigen::MatrixXd P = e_tau * A;
  const Eigen::VectorXd pm = e_tau * rhs;
  // q(τ) given the new q(β) on the full data (Gauss–Seidel, exact CAVI); given the
  // current q(β) on a minibatch (Jacobi), since a q(β) fitted to the batch itself
  // would shrink the batch residual and bias E[τ] upwards.
  const bool full_data = scale == 1.0 && stats.size == num_data();
  Eigen::VectorXd m;
  Eigen::MatrixXd cov;
  if (full_data) {
    Eigen::LLT<Eigen::MatrixXd> llt(A);
    if (llt.info() != Eigen::Success) {
      throw NumericalError("bayes_linear_regression: Λ0 + XᵀX is not positive definite");
    }
    m = llt.solve(rhs);
    cov = llt.solve(Eigen::MatrixXd::Identity(d, d)) / e_tau;
  } else {
    const MeanFieldLinearRegression q = posterior();
    m = q.mean;
    cov = q.covariance;
  }
  const Eigen::VectorXd dm = m - prior_.m0;
  const double resid = yty - 2.0 * m.dot(Xty) + (XtX.cwiseProduct(m * m.transpose() + cov)).sum();
  const double prior_term = dm.dot(prior_.L0 * dm) + (prior_.L0.cwiseProduct(cov)).sum();
  const double a = prior_.a0 + 0.5 * (n + d);
  const double b = prior_.b0 + 0.5 * (resid + prior_term);
  return pack(pm, P, a, b);
}

MeanFieldLinearRegression BayesLinearRegression::posterior() const {
  const int d = dim();
  const View v = unpack(lambda_, d);
  Eigen::LLT<Eigen::MatrixXd> llt(v.P);
  MeanFieldLinearRegression out;
  out.mean = llt.solve(v.pm);
  out.covariance = llt.solve(Eigen::MatrixXd::Identity(d, d));
  out.shape = v.a;
  out.rate = v.b;
  return out;
}

double BayesLinearRegression::elbo(const BatchStatistics& full) const {
  const int d = dim();
  const MeanFieldLinearRegression q = posterior();
  const Eigen::VectorXd Xty = full.sufficient.head(d);
  const Eigen::Map<const Eigen::MatrixXd> XtX(full.sufficient.data() + d, d, d);
  const double yty = full.sufficient(d + d * d);
  const double n = full.sufficient(d + d * d + 1);
  const double e_tau = q.shape / q.rate;
  const double e_log_tau = boost::math::digamma(q.shape) - std::log(q.rate);
  const Eigen::MatrixXd second = q.mean * q.mean.transpose() + q.covariance;
  const double e_resid = yty - 2.0 * q.mean.dot(Xty) + XtX.cwiseProduct(second).sum();
  const Eigen::VectorXd dm = q.mean - prior_.m0;
  const double e_prior_quad = dm.dot(prior_.L0 * dm) + prior_.L0.cwiseProduct(q.covariance).sum();
  const double logdet_L0 = 2.0 * Eigen::LLT<Eigen::MatrixXd>(prior_.L0).matrixL().toDenseMatrix()
                                     .diagonal().array().log().sum();
  const double logdet_cov = 2.0 * Eigen::LLT<Eigen::MatrixXd>(q.covariance).matrixL()
                                      .toDenseMatrix().diagonal().array().log().sum();

  const double e_lik = 0.5 * n * (e_log_tau - kLog2Pi) - 0.5 * e_tau * e_resid;
  const double e_prior_beta = 0.5 * d * (e_log_tau - kLog2Pi) + 0.5 * logdet_L0 -
                              0.5 * e_tau * e_prior_quad;
  const double e_prior_tau = prior_.a0 * std::log(prior_.b0) - std::lgamma(prior_.a0) +
                             (prior_.a0 - 1.0) * e_log_tau - prior_.b0 * e_tau;
  const double h_beta = 0.5 * d * (1.0 + kLog2Pi) + 0.5 * logdet_cov;
  const double h_tau = q.shape - std::log(q.rate) + std::lgamma(q.shape) +
                       (1.0 - q.shape) * boost::math::digamma(q.shape);
  return e_lik + e_prior_beta + e_prior_tau + h_beta + h_tau;
}

void BayesLinearRegression::set_heldout(Eigen::MatrixXd X, Eigen::VectorXd y) {
  if (X.cols() != X_.cols() || X.rows() != y.size()) {
    throw DomainError("bayes_linear_regression: held-out X/y shapes do not match the model");
  }
  heldout_X_ = std::move(X);
  heldout_y_ = std::move(y);
}

std::optional<double> BayesLinearRegression::heldout_score() const {
  if (heldout_X_.rows() == 0) return std::nullopt;
  const MeanFieldLinearRegression q = posterior();
  const double e_tau = q.shape / q.rate;
  const double e_log_tau = boost::math::digamma(q.shape) - std::log(q.rate);
  double total = 0.0;
  for (Eigen::Index i = 0; i < heldout_X_.rows(); ++i) {
    const Eigen::VectorXd x = heldout_X_.row(i).transpose();
    const double r = heldout_y_(i) - x.dot(q.mean);
    total += 0.5 * (e_log_tau - kLog2Pi) - 0.5 * e_tau * (r * r + x.dot(q.covariance * x));
  }
  return total / static_cast<double>(heldout_X_.rows());
}

NormalGammaPosterior BayesLinearRegression::exact_posterior() const {
  NormalGammaPosterior out;
  out.precision = prior_.L0 + X_.transpose() * X_;
  out.mean = out.precision.llt().solve(prior_.L0 * prior_.m0 + X_.transpose() * y_);
  const Eigen::VectorXd dm = out.mean - prior_.m0;
  const double s = (y_ - X_ * out.mean).squaredNorm() + dm.dot(prior_.L0 * dm);
  out.shape = prior_.a0 + 0.5 * static_cast<double>(X_.rows());
  out.rate = prior_.b0 + 0.5 * s;
  return out;
}

MeanFieldLinearRegression BayesLinearRegression::mean_field_fixed_point() const {
  const NormalGammaPosterior ex = exact_posterior();
  const int d = dim();
  MeanFieldLinearRegression out;
  out.mean = ex.mean;
  out.shape = prior_.a0 + 0.5 * (static_cast<double>(X_.rows()) + d);
  out.rate = (ex.rate) / (1.0 - d / (2.0 * out.shape));
  out.covariance = ex.precision.llt().solve(Eigen::MatrixXd::Identity(d, d)) *
                   (out.rate / out.shape);
  return out;
}

}  // namespace elbo::conjugate
