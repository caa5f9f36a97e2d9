#pragma once
// Observation models p(y | f) of the sparse GP. The variational objective needs
// E_{N(f; m, v)}[log p(y | f)] with its derivatives in m and v; by default that is
// Gauss–Hermite quadrature of the pointwise log density and its first two
// derivatives (∂/∂v of the rule itself, ½ E[g″] by Stein at v = 0), and a likelihood
// with a closed form overrides it (Gaussian, Poisson). Parameters are stored
// unconstrained (log of the positive ones).
#include <Eigen/Core>

#include <memory>
#include <string>
#include <vector>

#include "elbo/gp/gauss_hermite.hpp"

namespace elbo::gp {

using Vector = Eigen::VectorXd;

class Likelihood {
 public:
  Likelihood();
  virtual ~Likelihood() = default;
  virtual std::string name() const = 0;
  virtual Eigen::Index num_params() const { return 0; }
  virtual void params(double*) const {}
  virtual void set_params(const double*) {}
  virtual void param_names(std::vector<std::string>&) const {}
  virtual void constrained_params(std::vector<double>&) const {}
  virtual std::unique_ptr<Likelihood> clone() const = 0;

  /// log p(y | f) and its derivatives in f; dparams (num_params values) += ∂/∂θ.
  virtual double log_density(double y, double f, double* d1, double* d2, double* dparams) const = 0;
  /// Σ_i E_q[log p(y_i | f_i)], dm_i = ∂/∂m_i, dv_i = ∂/∂v_i, dparams += ∂/∂θ (if not null).
  virtual double expected_log_lik(const Vector& y, const Vector& m, const Vector& v, Vector& dm, Vector& dv,
                                  double* dparams) const;
  /// The same by quadrature, whatever the closed form (for tests).
  double expected_log_lik_quadrature(const Vector& y, const Vector& m, const Vector& v, Vector& dm, Vector& dv,
                                     double* dparams) const;
  /// Predictive mean and variance of y (class probability, count rate, …).
  virtual void predict(const Vector& m, const Vector& v, Vector& mean, Vector& var) const = 0;
  /// log ∫ p(y_i | f) N(f; m_i, v_i) df.
  virtual Vector log_predictive(const Vector& y, const Vector& m, const Vector& v) const;
  /// Throws elbo::InputError(source, row, column, …) at the first y this likelihood
  /// cannot take (Bernoulli: 0/1; Poisson: counts).
  virtual void check_targets(const Vector& y, const std::string& source, const std::string& column) const;

  Vector all_params() const;
  void set_all_params(const Vector& theta);

 protected:
  GaussHermite rule_;
};

/// "gaussian", "bernoulli" (= probit), "bernoulli_logit", "poisson", "student_t"
/// (with `student_df` degrees of freedom, fixed). Unknown: elbo::ConfigError.
std::unique_ptr<Likelihood> make_likelihood(const std::string& name, double noise_or_scale = 1.0,
                                            double student_df = 4.0);

}  // namespace elbo::gp
