#include "elbo/gp/likelihoods.hpp"

#include <cmath>

#include "elbo/core/error.hpp"

namespace elbo::gp {

namespace {

constexpr double kLogTwoPi = 1.8378770664093453;

double normal_log_cdf(double x) {
  // log Φ(x); erfc keeps the lower tail accurate down to x ≈ −37, where it
  // underflows to 0 (quadrature nodes reach there when v is large): below −20 the
  // asymptotic series of Mills' ratio, Φ(x) = φ(x)/(−x) (1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸ …).
  if (x < -20) {
    const double t = 1.0 / (x * x);
    return -0.5 * x * x - std::log(-x) - 0.5 * std::log(2 * M_PI) + std::log1p(t * (-1 + t * (3 + t * (-15 + 105 * t))));
  }
  return std::log(0.5 * std::erfc(-x / std::sqrt(2.0)));
}

}  // namespace

// ---- Gaussian -------------------------------------------------------------------

double GaussianLikelihood::log_density(double y, double f, double* d1, double* d2, double* dparams) const {
  const double s2 = noise_variance(), r = y - f;
  *d1 = r / s2;
  *d2 = -1.0 / s2;
  if (dparams) dparams[0] += -0.5 + 0.5 * r * r / s2;
  return -0.5 * (kLogTwoPi + log_noise_) - 0.5 * r * r / s2;
}

double GaussianLikelihood::expected_log_lik(const Vector& y, const Vector& m, const Vector& v, Vector& dm,
                                            Vector& dv, double* dparams) const {
  // E[log N(y; f, σ²)] = −½ log 2πσ² − ((y − m)² + v)/(2σ²).
  const double s2 = noise_variance();
  const Vector r = y - m;
  dm = r / s2;
  dv = Vector::Constant(y.size(), -0.5 / s2);
  const double sq = r.squaredNorm() + v.sum();
  if (dparams) dparams[0] += -0.5 * static_cast<double>(y.size()) + 0.5 * sq / s2;
  return -0.5 * static_cast<double>(y.size()) * (kLogTwoPi + log_noise_) - 0.5 * sq / s2;
}

void GaussianLikelihood::predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const {
  mean = m;
  var = v.array() + noise_variance();
}

Vector GaussianLikelihood::log_predictive(const Vector& y, const Vector& m, const Vector& v) const {
  const Vector s2 = v.array() + noise_variance();
  return -0.5 * (kLogTwoPi + s2.array().log() + (y - m).array().square() / s2.array());
}

// ---- Bernoulli ------------------------------------------------------------------

double BernoulliLikelihood::log_density(double y, double f, double* d1, double* d2, double*) const {
  const double s = 2 * y - 1;  // ±1
  if (logit_) {
    // log σ(s f), stable for large |f|.
    const double z = s * f;
    const double p = 1.0 / (1.0 + std::exp(-z));
    *d1 = s * (1 - p);
    *d2 = -p * (1 - p);
    return z >= 0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z));
  }
  const double z = s * f, lc = normal_log_cdf(z);
  // φ(z)/Φ(z) by the log form, finite far in the lower tail.
  const double ratio = std::exp(-0.5 * z * z - 0.5 * kLogTwoPi - lc);
  *d1 = s * ratio;
  *d2 = -ratio * (z + ratio);
  return lc;
}

void BernoulliLikelihood::predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const {
  mean.resize(m.size());
  if (logit_) {
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      const double sd = std::sqrt(2.0 * std::max(v[i], 0.0));
      double p = 0;
      for (Eigen::Index k = 0; k < rule_.nodes.size(); ++k)
        p += rule_.weights[k] / (1.0 + std::exp(-(m[i] + sd * rule_.nodes[k])));
      mean[i] = p;
    }
  } else {
    // ∫ Φ(f) N(f; m, v) df = Φ(m/√(1 + v)).
    mean = (m.array() / (1.0 + v.array()).sqrt()).unaryExpr([](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); });
  }
  var = mean.array() * (1.0 - mean.array());
}

Vector BernoulliLikelihood::log_predictive(const Vector& y, const Vector& m, const Vector& v) const {
  Vector p, var;
  predict(m, v, p, var);
  Vector out(y.size());
  for (Eigen::Index i = 0; i < y.size(); ++i) out[i] = std::log(y[i] > 0.5 ? p[i] : 1.0 - p[i]);
  return out;
}

void BernoulliLikelihood::check_targets(const Vector& y, const std::string& source, const std::string& column) const {
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (y[i] != 0.0 && y[i] != 1.0) {
      throw InputError(source, static_cast<long>(i) + 2, column,
                       "target " + std::to_string(y[i]) + " is not 0 or 1 (the Bernoulli likelihood's classes)");
    }
  }
}

// ---- Poisson --------------------------------------------------------------------

double PoissonLikelihood::log_density(double y, double f, double* d1, double* d2, double*) const {
  const double rate = std::exp(f);
  *d1 = y - rate;
  *d2 = -rate;
  return y * f - rate - std::lgamma(y + 1);
}

double PoissonLikelihood::expected_log_lik(const Vector& y, const Vector& m, const Vector& v, Vector& dm, Vector& dv,
                                           double*) const {
  // E[y f − e^f − log y!] = y m − e^{m + v/2} − log y!.
  const Vector rate = (m + 0.5 * v).array().exp();
  dm = y - rate;
  dv = -0.5 * rate;
  double lg = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) lg += std::lgamma(y[i] + 1);
  return y.dot(m) - rate.sum() - lg;
}

void PoissonLikelihood::predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const {
  // E[e^f] and Var y = E[e^f] + Var e^f.
  mean = (m + 0.5 * v).array().exp();
  var = mean.array() + (v.array().exp() - 1.0) * mean.array().square();
}

void PoissonLikelihood::check_targets(const Vector& y, const std::string& source, const std::string& column) const {
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!(y[i] >= 0) || y[i] != std::floor(y[i])) {
      throw InputError(source, static_cast<long>(i) + 2, column,
                       "target " + std::to_string(y[i]) + " is not a count 0, 1, 2, … (the Poisson likelihood)");
    }
  }
}

// ---- Student-t ------------------------------------------------------------------

double StudentTLikelihood::log_density(double y, double f, double* d1, double* d2, double* dparams) const {
  const double s = std::exp(log_scale_), nu = df_, r = y - f, q = r * r / (nu * s * s);
  *d1 = (nu + 1) * r / (nu * s * s + r * r);
  *d2 = (nu + 1) * (r * r - nu * s * s) / std::pow(nu * s * s + r * r, 2);
  if (dparams) dparams[0] += -1.0 + (nu + 1) * q / (1 + q);  // ∂/∂log s
  return std::lgamma(0.5 * (nu + 1)) - std::lgamma(0.5 * nu) - 0.5 * std::log(nu * M_PI) - log_scale_ -
         0.5 * (nu + 1) * std::log1p(q);
}

void StudentTLikelihood::predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const {
  const double s = std::exp(log_scale_);
  mean = m;
  // Var of t_ν(scale s) is s² ν/(ν − 2) for ν > 2 (infinite otherwise).
  const double noise = df_ > 2 ? s * s * df_ / (df_ - 2) : INFINITY;
  var = v.array() + noise;
}

// ---- factory --------------------------------------------------------------------

std::unique_ptr<Likelihood> make_likelihood(const std::string& name, double noise_or_scale, double student_df) {
  if (name == "gaussian") return std::make_unique<GaussianLikelihood>(noise_or_scale);
  if (name == "bernoulli" || name == "bernoulli_probit") return std::make_unique<BernoulliLikelihood>(false);
  if (name == "bernoulli_logit") return std::make_unique<BernoulliLikelihood>(true);
  if (name == "poisson") return std::make_unique<PoissonLikelihood>();
  if (name == "student_t") return std::make_unique<StudentTLikelihood>(noise_or_scale, student_df);
  throw ConfigError("likelihood '" + name +
                    "' is unknown (known: gaussian, bernoulli, bernoulli_logit, poisson, student_t)");
}

}  // namespace elbo::gp
