#include "elbo/gp/periodic_kernel.hpp"

#include <cmath>

namespace elbo::gp {

namespace {

Matrix periodic_distance(const Matrix& A, const Matrix& B) {
  Matrix D2 = -2.0 * A * B.transpose();
  D2.colwise() += A.rowwise().squaredNorm();
  D2.rowwise() += B.rowwise().squaredNorm().transpose();
  return D2.cwiseMax(0.0).cwiseSqrt();
}

}  // namespace

PeriodicKernel::PeriodicKernel(double lengthscale, double period)
    : log_lengthscale_(std::log(lengthscale)), log_period_(std::log(period)) {}

void PeriodicKernel::params(double* out) const {
  out[0] = log_lengthscale_;
  out[1] = log_period_;
}
void PeriodicKernel::set_params(const double* in) {
  log_lengthscale_ = in[0];
  log_period_ = in[1];
}
void PeriodicKernel::param_names(const std::string& prefix, std::vector<std::string>& out) const {
  out.push_back(prefix + "lengthscale");
  out.push_back(prefix + "period");
}
void PeriodicKernel::constrained_params(std::vector<double>& out) const {
  out.push_back(std::exp(log_lengthscale_));
  out.push_back(std::exp(log_period_));
}

Matrix PeriodicKernel::cross(const Matrix& A, const Matrix& B) const {
  const double l2 = std::exp(2 * log_lengthscale_), p = std::exp(log_period_);
  return periodic_distance(A, B).unaryExpr([&](double d) {
    const double s = std::sin(M_PI * d / p);
    return std::exp(-2.0 * s * s / l2);
  });
}

void PeriodicKernel::backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const {
  const double l2 = std::exp(2 * log_lengthscale_), p = std::exp(log_period_);
  const Matrix D = periodic_distance(A, B);
  Matrix Wd(D.rows(), D.cols());  // G ∘ (∂k/∂d)/d, the weight of a − b
  double g_l = 0, g_p = 0;
  for (Eigen::Index j = 0; j < D.cols(); ++j) {
    for (Eigen::Index i = 0; i < D.rows(); ++i) {
      const double d = D(i, j), s = std::sin(M_PI * d / p), s2 = std::sin(2 * M_PI * d / p);
      const double k = std::exp(-2.0 * s * s / l2), g = G(i, j);
      g_l += g * k * 4.0 * s * s / l2;
      g_p += g * k * 2.0 * M_PI * d * s2 / (l2 * p);
      // ∂k/∂d / d → k (−2/ℓ²)(π/p)(2π/p) as d → 0.
      const double over_d = d > 1e-12 ? s2 / d : 2 * M_PI / p;
      Wd(i, j) = g * k * (-2.0 / l2) * (M_PI / p) * over_d;
    }
  }
  grad[0] += g_l;
  grad[1] += g_p;
  if (dA) *dA += (A.array().colwise() * Wd.rowwise().sum().array()).matrix() - Wd * B;
}

}  // namespace elbo::gp
