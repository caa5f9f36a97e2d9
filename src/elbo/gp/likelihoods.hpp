#pragma once
// The likelihoods of the sparse GP: Gaussian (noise variance σ², closed form),
// Bernoulli with probit or logit link (quadrature; probit's predictive closed
// form), Poisson with log link (closed form E[e^f] = e^{m + v/2}), Student-t
// (scale learned, degrees of freedom fixed; quadrature).
#include "elbo/gp/likelihood.hpp"

namespace elbo::gp {

class GaussianLikelihood final : public Likelihood {
 public:
  explicit GaussianLikelihood(double noise_variance) : log_noise_(std::log(noise_variance)) {}
  std::string name() const override { return "gaussian"; }
  Eigen::Index num_params() const override { return 1; }
  void params(double* out) const override { out[0] = log_noise_; }
  void set_params(const double* in) override { log_noise_ = in[0]; }
  void param_names(std::vector<std::string>& out) const override { out.push_back("noise_variance"); }
  void constrained_params(std::vector<double>& out) const override { out.push_back(noise_variance()); }
  std::unique_ptr<Likelihood> clone() const override { return std::make_unique<GaussianLikelihood>(*this); }
  double noise_variance() const { return std::exp(log_noise_); }

  double log_density(double y, double f, double* d1, double* d2, double* dparams) const override;
  double expected_log_lik(const Vector& y, const Vector& m, const Vector& v, Vector& dm, Vector& dv,
                          double* dparams) const override;
  void predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const override;
  Vector log_predictive(const Vector& y, const Vector& m, const Vector& v) const override;

 private:
  double log_noise_;
};

class BernoulliLikelihood final : public Likelihood {
 public:
  explicit BernoulliLikelihood(bool logit) : logit_(logit) {}
  std::string name() const override { return logit_ ? "bernoulli_logit" : "bernoulli"; }
  std::unique_ptr<Likelihood> clone() const override { return std::make_unique<BernoulliLikelihood>(*this); }
  double log_density(double y, double f, double* d1, double* d2, double* dparams) const override;
  void predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const override;
  /// log p or log(1 − p) of predict()'s p: exact for the probit (Φ(m/√(1 + v))).
  Vector log_predictive(const Vector& y, const Vector& m, const Vector& v) const override;
  void check_targets(const Vector& y, const std::string& source, const std::string& column) const override;

 private:
  bool logit_;
};

class PoissonLikelihood final : public Likelihood {
 public:
  std::string name() const override { return "poisson"; }
  std::unique_ptr<Likelihood> clone() const override { return std::make_unique<PoissonLikelihood>(*this); }
  double log_density(double y, double f, double* d1, double* d2, double* dparams) const override;
  double expected_log_lik(const Vector& y, const Vector& m, const Vector& v, Vector& dm, Vector& dv,
                          double* dparams) const override;
  void predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const override;
  void check_targets(const Vector& y, const std::string& source, const std::string& column) const override;
};

class StudentTLikelihood final : public Likelihood {
 public:
  StudentTLikelihood(double scale, double df) : log_scale_(std::log(scale)), df_(df) {}
  std::string name() const override { return "student_t"; }
  Eigen::Index num_params() const override { return 1; }
  void params(double* out) const override { out[0] = log_scale_; }
  void set_params(const double* in) override { log_scale_ = in[0]; }
  void param_names(std::vector<std::string>& out) const override { out.push_back("scale"); }
  void constrained_params(std::vector<double>& out) const override { out.push_back(std::exp(log_scale_)); }
  std::unique_ptr<Likelihood> clone() const override { return std::make_unique<StudentTLikelihood>(*this); }
  double df() const { return df_; }
  double log_density(double y, double f, double* d1, double* d2, double* dparams) const override;
  void predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const override;

 private:
  double log_scale_, df_;
};

}  // namespace elbo::gp
