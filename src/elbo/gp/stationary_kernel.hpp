#pragma once
// Stationary kernels of a scaled distance, k = f(r²) with r² = Σ_d (a_d − b_d)²/ℓ_d²
// and one lengthscale per input (ARD): the squared exponential and Matérn 1/2,
// 3/2, 5/2. Unit variance; a ScaledKernel gives them their scale.
#include "elbo/gp/kernel.hpp"

namespace elbo::gp {

enum class StationaryShape { squared_exponential, matern12, matern32, matern52 };

class StationaryKernel final : public Kernel {
 public:
  /// `dims` lengthscales, all `lengthscale`.
  StationaryKernel(StationaryShape shape, Eigen::Index dims, double lengthscale);
  std::string spec() const override;
  Eigen::Index num_params() const override { return log_lengthscales_.size(); }
  void params(double* out) const override;
  void set_params(const double* in) override;
  void param_names(const std::string& prefix, std::vector<std::string>& out) const override;
  void constrained_params(std::vector<double>& out) const override;
  Matrix cross(const Matrix& A, const Matrix& B) const override;
  Vector diag(const Matrix& A) const override { return Vector::Ones(A.rows()); }
  void backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const override {
    backprop_and_sum(A, B, G, grad, dA);
  }
  double backprop_and_sum(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const override;
  void backprop_diag(const Matrix&, const Vector&, double*) const override {}  // k(a, a) = 1
  std::unique_ptr<Kernel> clone() const override { return std::make_unique<StationaryKernel>(*this); }

 private:
  StationaryShape shape_;
  Vector log_lengthscales_;
};

}  // namespace elbo::gp
