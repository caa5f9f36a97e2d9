#pragma once
// The periodic kernel (MacKay 1998; scikit-learn's ExpSineSquared):
// k = exp(−2 sin²(π d / p) / ℓ²), d = ‖a − b‖, parameters log ℓ and log p.
#include "elbo/gp/kernel.hpp"

namespace elbo::gp {

class PeriodicKernel final : public Kernel {
 public:
  PeriodicKernel(double lengthscale, double period);
  std::string spec() const override { return "periodic"; }
  Eigen::Index num_params() const override { return 2; }
  void params(double* out) const override;
  void set_params(const double* in) override;
  void param_names(const std::string& prefix, std::vector<std::string>& out) const override;
  void constrained_params(std::vector<double>& out) const override;
  Matrix cross(const Matrix& A, const Matrix& B) const override;
  Vector diag(const Matrix& A) const override { return Vector::Ones(A.rows()); }
  void backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const override;
  void backprop_diag(const Matrix&, const Vector&, double*) const override {}
  std::unique_ptr<Kernel> clone() const override { return std::make_unique<PeriodicKernel>(*this); }

 private:
  double log_lengthscale_, log_period_;
};

}  // namespace elbo::gp
