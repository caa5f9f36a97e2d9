#pragma once
// The linear (dot-product) kernel k(a, b) = a·b: Bayesian linear regression on
// the standardised features; a ScaledKernel gives it its variance.
#include "elbo/gp/kernel.hpp"

namespace elbo::gp {

class LinearKernel final : public Kernel {
 public:
  std::string spec() const override { return "linear"; }
  Eigen::Index num_params() const override { return 0; }
  void params(double*) const override {}
  void set_params(const double*) override {}
  void param_names(const std::string&, std::vector<std::string>&) const override {}
  void constrained_params(std::vector<double>&) const override {}
  Matrix cross(const Matrix& A, const Matrix& B) const override { return A * B.transpose(); }
  Vector diag(const Matrix& A) const override { return A.rowwise().squaredNorm(); }
  void backprop(const Matrix&, const Matrix& B, const Matrix& G, double*, Matrix* dA) const override {
    if (dA) *dA += G * B;
  }
  void backprop_diag(const Matrix&, const Vector&, double*) const override {}
  std::unique_ptr<Kernel> clone() const override { return std::make_unique<LinearKernel>(*this); }
};

}  // namespace elbo::gp
