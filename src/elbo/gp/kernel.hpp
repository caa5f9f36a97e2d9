#pragma once
// Covariance functions of the sparse GP. Points are the rows of a matrix; a
// kernel maps (A: n×D, B: m×D) to K (n×m). Hyperparameters are stored
// unconstrained: every positive one (lengthscale, period, scale) as its log, the
// exp bijector's inverse, so Adam moves freely on ℝ. Gradients are reverse mode:
// given G = ∂L/∂K, `backprop` adds ∂L/∂θ and (optionally) ∂L/∂A to its outputs,
// in O(n m D) without storing a per-parameter n×m matrix.
#include <Eigen/Core>

#include <memory>
#include <string>
#include <vector>

namespace elbo::gp {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

class Kernel {
 public:
  virtual ~Kernel() = default;
  /// The spec term this kernel came from ("rbf", "matern32", "rbf*periodic", …).
  virtual std::string spec() const = 0;
  virtual Eigen::Index num_params() const = 0;
  /// Unconstrained parameters (logs of the positive ones), num_params() values.
  virtual void params(double* out) const = 0;
  virtual void set_params(const double* in) = 0;
  /// Names of the constrained parameters ("scale", "lengthscale[2]", …) with `prefix`.
  virtual void param_names(const std::string& prefix, std::vector<std::string>& out) const = 0;
  /// Constrained values (what param_names names), for reports.
  virtual void constrained_params(std::vector<double>& out) const = 0;

  virtual Matrix cross(const Matrix& A, const Matrix& B) const = 0;
  virtual Vector diag(const Matrix& A) const = 0;
  /// grad[0..num_params) += ∂/∂θ Σ_ij G_ij K_ij; *dA += ∂/∂A Σ_ij G_ij K_ij (A as the
  /// first argument only) when dA is not null.
  virtual void backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const = 0;
  /// backprop, returning Σ_ij G_ij K_ij as well (what a scale's gradient needs);
  /// stationary kernels get it from the r² that backprop computes anyway.
  virtual double backprop_and_sum(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const;
  /// grad += ∂/∂θ Σ_i g_i k(a_i, a_i).
  virtual void backprop_diag(const Matrix& A, const Vector& g, double* grad) const = 0;
  virtual std::unique_ptr<Kernel> clone() const = 0;

  Vector all_params() const;
  void set_all_params(const Vector& theta);
};

/// s · k(a, b) with s > 0 (parameter log s).
class ScaledKernel final : public Kernel {
 public:
  ScaledKernel(std::unique_ptr<Kernel> inner, double scale);
  std::string spec() const override { return inner_->spec(); }
  Eigen::Index num_params() const override { return 1 + inner_->num_params(); }
  void params(double* out) const override;
  void set_params(const double* in) override;
  void param_names(const std::string& prefix, std::vector<std::string>& out) const override;
  void constrained_params(std::vector<double>& out) const override;
  Matrix cross(const Matrix& A, const Matrix& B) const override;
  Vector diag(const Matrix& A) const override;
  void backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const override;
  void backprop_diag(const Matrix& A, const Vector& g, double* grad) const override;
  std::unique_ptr<Kernel> clone() const override;

 private:
  std::unique_ptr<Kernel> inner_;
  double log_scale_;
};

/// k₁ + k₂ + … .
class SumKernel final : public Kernel {
 public:
  explicit SumKernel(std::vector<std::unique_ptr<Kernel>> terms);
  std::string spec() const override;
  Eigen::Index num_params() const override;
  void params(double* out) const override;
  void set_params(const double* in) override;
  void param_names(const std::string& prefix, std::vector<std::string>& out) const override;
  void constrained_params(std::vector<double>& out) const override;
  Matrix cross(const Matrix& A, const Matrix& B) const override;
  Vector diag(const Matrix& A) const override;
  void backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const override;
  void backprop_diag(const Matrix& A, const Vector& g, double* grad) const override;
  std::unique_ptr<Kernel> clone() const override;

 private:
  std::vector<std::unique_ptr<Kernel>> terms_;
};

/// k₁ · k₂ · … (elementwise).
class ProductKernel final : public Kernel {
 public:
  explicit ProductKernel(std::vector<std::unique_ptr<Kernel>> factors);
  std::string spec() const override;
  Eigen::Index num_params() const override;
  void params(double* out) const override;
  void set_params(const double* in) override;
  void param_names(const std::string& prefix, std::vector<std::string>& out) const override;
  void constrained_params(std::vector<double>& out) const override;
  Matrix cross(const Matrix& A, const Matrix& B) const override;
  Vector diag(const Matrix& A) const override;
  void backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const override;
  void backprop_diag(const Matrix& A, const Vector& g, double* grad) const override;
  std::unique_ptr<Kernel> clone() const override;

 private:
  std::vector<std::unique_ptr<Kernel>> factors_;
};

}  // namespace elbo::gp
