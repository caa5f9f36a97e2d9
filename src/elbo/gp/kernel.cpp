#include "elbo/gp/kernel.hpp"

#include <cmath>

namespace elbo::gp {

Vector Kernel::all_params() const {
  Vector theta(num_params());
  params(theta.data());
  return theta;
}

void Kernel::set_all_params(const Vector& theta) { set_params(theta.data()); }

double Kernel::backprop_and_sum(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const {
  backprop(A, B, G, grad, dA);
  return (G.array() * cross(A, B).array()).sum();
}

// ---- scale ---------------------------------------------------------------------

ScaledKernel::ScaledKernel(std::unique_ptr<Kernel> inner, double scale)
    : inner_(std::move(inner)), log_scale_(std::log(scale)) {}

void ScaledKernel::params(double* out) const {
  out[0] = log_scale_;
  inner_->params(out + 1);
}
void ScaledKernel::set_params(const double* in) {
  log_scale_ = in[0];
  inner_->set_params(in + 1);
}
void ScaledKernel::param_names(const std::string& prefix, std::vector<std::string>& out) const {
  out.push_back(prefix + "scale");
  inner_->param_names(prefix, out);
}
void ScaledKernel::constrained_params(std::vector<double>& out) const {
  out.push_back(std::exp(log_scale_));
  inner_->constrained_params(out);
}
Matrix ScaledKernel::cross(const Matrix& A, const Matrix& B) const {
  Matrix K = inner_->cross(A, B);
  K *= std::exp(log_scale_);  // in place: K can be T × M
  return K;
}
Vector ScaledKernel::diag(const Matrix& A) const { return std::exp(log_scale_) * inner_->diag(A); }
void ScaledKernel::backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const {
  const double s = std::exp(log_scale_);
  // Backprop is linear in G: run the inner kernel on G and scale its outputs by s
  // rather than copy sG, which can be T × M. ∂/∂log s of s Σ G∘K = s Σ G∘K.
  Vector inner_grad = Vector::Zero(inner_->num_params());
  Matrix inner_dA = dA ? Matrix::Zero(A.rows(), A.cols()) : Matrix();
  grad[0] += s * inner_->backprop_and_sum(A, B, G, inner_grad.data(), dA ? &inner_dA : nullptr);
  Eigen::Map<Vector>(grad + 1, inner_grad.size()) += s * inner_grad;
  if (dA) *dA += s * inner_dA;
}
void ScaledKernel::backprop_diag(const Matrix& A, const Vector& g, double* grad) const {
  const double s = std::exp(log_scale_);
  grad[0] += s * g.dot(inner_->diag(A));
  inner_->backprop_diag(A, s * g, grad + 1);
}
std::unique_ptr<Kernel> ScaledKernel::clone() const {
  auto k = std::make_unique<ScaledKernel>(inner_->clone(), 1.0);
  k->log_scale_ = log_scale_;
  return k;
}

// ---- sum -----------------------------------------------------------------------

SumKernel::SumKernel(std::vector<std::unique_ptr<Kernel>> terms) : terms_(std::move(terms)) {}

std::string SumKernel::spec() const {
  std::string s;
  for (const auto& t : terms_) s += (s.empty() ? "" : "+") + t->spec();
  return s;
}
Eigen::Index SumKernel::num_params() const {
  Eigen::Index n = 0;
  for (const auto& t : terms_) n += t->num_params();
  return n;
}
void SumKernel::params(double* out) const {
  for (const auto& t : terms_) {
    t->params(out);
    out += t->num_params();
  }
}
void SumKernel::set_params(const double* in) {
  for (const auto& t : terms_) {
    t->set_params(in);
    in += t->num_params();
  }
}
void SumKernel::param_names(const std::string& prefix, std::vector<std::string>& out) const {
  for (size_t i = 0; i < terms_.size(); ++i) {
    terms_[i]->param_names(prefix + terms_[i]->spec() + "[" + std::to_string(i) + "].", out);
  }
}
void SumKernel::constrained_params(std::vector<double>& out) const {
  for (const auto& t : terms_) t->constrained_params(out);
}
Matrix SumKernel::cross(const Matrix& A, const Matrix& B) const {
  Matrix K = terms_[0]->cross(A, B);
  for (size_t i = 1; i < terms_.size(); ++i) K += terms_[i]->cross(A, B);
  return K;
}
Vector SumKernel::diag(const Matrix& A) const {
  Vector d = terms_[0]->diag(A);
  for (size_t i = 1; i < terms_.size(); ++i) d += terms_[i]->diag(A);
  return d;
}
void SumKernel::backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const {
  for (const auto& t : terms_) {
    t->backprop(A, B, G, grad, dA);
    grad += t->num_params();
  }
}
void SumKernel::backprop_diag(const Matrix& A, const Vector& g, double* grad) const {
  for (const auto& t : terms_) {
    t->backprop_diag(A, g, grad);
    grad += t->num_params();
  }
}
std::unique_ptr<Kernel> SumKernel::clone() const {
  std::vector<std::unique_ptr<Kernel>> terms;
  for (const auto& t : terms_) terms.push_back(t->clone());
  return std::make_unique<SumKernel>(std::move(terms));
}

// ---- product -------------------------------------------------------------------

ProductKernel::ProductKernel(std::vector<std::unique_ptr<Kernel>> factors) : factors_(std::move(factors)) {}

std::string ProductKernel::spec() const {
  std::string s;
  for (const auto& f : factors_) s += (s.empty() ? "" : "*") + f->spec();
  return s;
}
Eigen::Index ProductKernel::num_params() const {
  Eigen::Index n = 0;
  for (const auto& f : factors_) n += f->num_params();
  return n;
}
void ProductKernel::params(double* out) const {
  for (const auto& f : factors_) {
    f->params(out);
    out += f->num_params();
  }
}
void ProductKernel::set_params(const double* in) {
  for (const auto& f : factors_) {
    f->set_params(in);
    in += f->num_params();
  }
}
void ProductKernel::param_names(const std::string& prefix, std::vector<std::string>& out) const {
  for (const auto& f : factors_) f->param_names(prefix + f->spec() + ".", out);
}
void ProductKernel::constrained_params(std::vector<double>& out) const {
  for (const auto& f : factors_) f->constrained_params(out);
}
Matrix ProductKernel::cross(const Matrix& A, const Matrix& B) const {
  Matrix K = factors_[0]->cross(A, B);
  for (size_t i = 1; i < factors_.size(); ++i) K.array() *= factors_[i]->cross(A, B).array();
  return K;
}
Vector ProductKernel::diag(const Matrix& A) const {
  Vector d = factors_[0]->diag(A);
  for (size_t i = 1; i < factors_.size(); ++i) d.array() *= factors_[i]->diag(A).array();
  return d;
}
void ProductKernel::backprop(const Matrix& A, const Matrix& B, const Matrix& G, double* grad, Matrix* dA) const {
  // Factor i sees G ∘ Π_{j≠i} K_j.
  std::vector<Matrix> Ks;
  for (const auto& f : factors_) Ks.push_back(f->cross(A, B));
  for (size_t i = 0; i < factors_.size(); ++i) {
    Matrix Gi = G;
    for (size_t j = 0; j < factors_.size(); ++j)
      if (j != i) Gi.array() *= Ks[j].array();
    factors_[i]->backprop(A, B, Gi, grad, dA);
    grad += factors_[i]->num_params();
  }
}
void ProductKernel::backprop_diag(const Matrix& A, const Vector& g, double* grad) const {
  std::vector<Vector> ds;
  for (const auto& f : factors_) ds.push_back(f->diag(A));
  for (size_t i = 0; i < factors_.size(); ++i) {
    Vector gi = g;
    for (size_t j = 0; j < factors_.size(); ++j)
      if (j != i) gi.array() *= ds[j].array();
    factors_[i]->backprop_diag(A, gi, grad);
    grad += factors_[i]->num_params();
  }
}
std::unique_ptr<Kernel> ProductKernel::clone() const {
  std::vector<std::unique_ptr<Kernel>> factors;
  for (const auto& f : factors_) factors.push_back(f->clone());
  return std::make_unique<ProductKernel>(std::move(factors));
}

}  // namespace elbo::gp
