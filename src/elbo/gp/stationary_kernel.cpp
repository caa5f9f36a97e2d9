#include "elbo/gp/stationary_kernel.hpp"

#include <algorithm>
#include <cmath>

namespace elbo::gp {

namespace {

// f(r²) and df/d(r²) of each shape.
inline double stationary_value(StationaryShape s, double r2) {
  const double r = std::sqrt(r2);
  switch (s) {
    case StationaryShape::squared_exponential: return std::exp(-0.5 * r2);
    case StationaryShape::matern12: return std::exp(-r);
    case StationaryShape::matern32: return (1 + std::sqrt(3.0) * r) * std::exp(-std::sqrt(3.0) * r);
    case StationaryShape::matern52:
      return (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r2) * std::exp(-std::sqrt(5.0) * r);
  }
  return 0;
}

inline double stationary_slope(StationaryShape s, double r2) {
  const double r = std::sqrt(r2);
  switch (s) {
    case StationaryShape::squared_exponential: return -0.5 * std::exp(-0.5 * r2);
    // −e^{−r}/(2r) is unbounded at r = 0, but every use multiplies it by a
    // squared or plain coordinate difference that is 0 there: take the limit 0.
    case StationaryShape::matern12: return r > 1e-12 ? -std::exp(-r) / (2 * r) : 0.0;
    case StationaryShape::matern32: return -1.5 * std::exp(-std::sqrt(3.0) * r);
    case StationaryShape::matern52: return -5.0 / 6.0 * (1 + std::sqrt(5.0) * r) * std::exp(-std::sqrt(5.0) * r);
  }
  return 0;
}

}  // namespace

StationaryKernel::StationaryKernel(StationaryShape shape, Eigen::Index dims, double lengthscale)
    : shape_(shape), log_lengthscales_(Vector::Constant(dims, std::log(lengthscale))) {}

std::string StationaryKernel::spec() const {
  switch (shape_) {
    case StationaryShape::squared_exponential: return "rbf";
    case StationaryShape::matern12: return "matern12";
    case StationaryShape::matern32: return "matern32";
    case StationaryShape::matern52: return "matern52";
  }
  return "?";
}

void StationaryKernel::params(double* out) const {
  for (Eigen::Index d = 0; d < log_lengthscales_.size(); ++d) out[d] = log_lengthscales_[d];
}
void StationaryKernel::set_params(const double* in) {
  for (Eigen::Index d = 0; d < log_lengthscales_.size(); ++d) log_lengthscales_[d] = in[d];
}
void StationaryKernel::param_names(const std::string& prefix, std::vector<std::string>& out) const {
  for (Eigen::Index d = 0; d < log_lengthscales_.size(); ++d)
    out.push_back(prefix + "lengthscale[" + std::to_string(d) + "]");
}
void StationaryKernel::constrained_params(std::vector<double>& out) const {
  for (Eigen::Index d = 0; d < log_lengthscales_.size(); ++d) out.push_back(std::exp(log_lengthscales_[d]));
}

namespace {

// K and its backprop go over column blocks of this many bytes, so r², f(r²) and
// G ∘ f'(r²) of a block stay in cache: one pass over memory instead of one per step.
constexpr Eigen::Index kBlockBytes = 256 * 1024;

Eigen::Index column_block(Eigen::Index rows) {
  return std::max<Eigen::Index>(16, kBlockBytes / (8 * std::max<Eigen::Index>(rows, 1)));
}

// R = r² between the rows of As and the rows [j0, j0 + R.cols()) of Bs, clamped at 0
// against rounding; a2, b2 are the rows' squared norms.
template <typename Block>
void scaled_sq_dist(const Matrix& As, const Vector& a2, const Matrix& Bs, const Vector& b2, Eigen::Index j0,
                    Block&& R) {
  const Eigen::Index nb = R.cols();
  R.noalias() = -2.0 * As * Bs.middleRows(j0, nb).transpose();  // Eigen: a self-pair's r² cancels to exactly 0
  R.colwise() += a2;                                             // (Matérn-1/2 needs that)
  R.rowwise() += b2.segment(j0, nb).transpose();
  R = R.cwiseMax(0.0);
}

}  // namespace

Matrix StationaryKernel::cross(const Matrix& A, const Matrix& B) const {
  const Eigen::RowVectorXd inv = (-log_lengthscales_).array().exp().matrix().transpose();
  const Matrix As = A.array().rowwise() * inv.array(), Bs = B.array().rowwise() * inv.array();
  const Vector a2 = As.rowwise().squaredNorm(), b2 = Bs.rowwise().squaredNorm();
  Matrix K(A.rows(), B.rows());
  const Eigen::Index step = column_block(A.rows());
  for (Eigen::Index j0 = 0; j0 < B.rows(); j0 += step) {
    auto Kb = K.middleCols(j0, std::min(step, B.rows() - j0));
    scaled_sq_dist(As, a2, Bs, b2, j0, Kb);
    if (shape_ == StationaryShape::squared_exponential) Kb = (-0.5 * Kb.array()).exp().matrix();  // vectorised exp
    else Kb = Kb.unaryExpr([this](double r2) { return stationary_value(shape_, r2); });
  }
  return K;
}

double StationaryKernel::backprop_and_sum(const Matrix& A, const Matrix& B, const Matrix& G, double* grad,
                                          Matrix* dA) const {
  const Eigen::RowVectorXd inv = (-log_lengthscales_).array().exp().matrix().transpose();
  const Matrix As = A.array().rowwise() * inv.array(), Bs = B.array().rowwise() * inv.array();
  const Vector a2 = As.rowwise().squaredNorm(), b2 = Bs.rowwise().squaredNorm();
  // Per column block, W = G ∘ f'(r²), the weight of each pair's r², reduced at once
  // to its row sums, column sums and W Bs (n×D).
  Vector row = Vector::Zero(A.rows()), col(B.rows());
  Matrix WB = Matrix::Zero(A.rows(), A.cols());
  double weighted_sum = 0;  // Σ G∘K
  const Eigen::Index step = column_block(A.rows());
  Matrix W(A.rows(), std::min(step, B.rows()));
  for (Eigen::Index j0 = 0; j0 < B.rows(); j0 += step) {
    const Eigen::Index nb = std::min(step, B.rows() - j0);
    auto Wb = W.leftCols(nb);
    const auto Gb = G.middleCols(j0, nb);
    scaled_sq_dist(As, a2, Bs, b2, j0, Wb);
    if (shape_ == StationaryShape::squared_exponential) {  // f' = −f/2: one vectorised exp for both
      Wb = ((-0.5 * Wb.array()).exp() * Gb.array()).matrix();
      weighted_sum += Wb.sum();
      Wb *= -0.5;
    } else {
      weighted_sum += (Wb.unaryExpr([this](double r2) { return stationary_value(shape_, r2); }).array() *
                       Gb.array()).sum();
      Wb = Wb.unaryExpr([this](double r2) { return stationary_slope(shape_, r2); }).cwiseProduct(Gb);
    }
    row += Wb.rowwise().sum();
    col.segment(j0, nb) = Wb.colwise().sum().transpose();
    // Eigen: kernels may run on several threads at once, OpenBLAS calls may not.
    WB.noalias() += Wb * Bs.middleRows(j0, nb);
  }
  // ∂r²/∂log ℓ_d = −2 (a_d − b_d)²/ℓ_d²; Σ_ij W_ij (a'_id − b'_jd)² expanded.
  for (Eigen::Index d = 0; d < As.cols(); ++d) {
    const double s = As.col(d).array().square().matrix().dot(row) + Bs.col(d).array().square().matrix().dot(col) -
                     2.0 * As.col(d).dot(WB.col(d));
    grad[d] += -2.0 * s;
  }
  if (dA) {
    // ∂r²/∂a_d = 2 (a'_d − b'_d)/ℓ_d.
    Matrix D = (As.array().colwise() * row.array() - WB.array()) * 2.0;
    D.array().rowwise() *= inv.array();
    *dA += D;
  }
  return weighted_sum;
}

}  // namespace elbo::gp
