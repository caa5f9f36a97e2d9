#include "elbo/family/gaussian_copula.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/family/gaussian_constants.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::family {

namespace {


/// L = rows of (tril(B_raw, −1) + I) normalised to unit length.
at::Tensor corr_cholesky_from_raw(const at::Tensor& raw) {
  auto B = torch::tril(raw, -1) + torch::eye(raw.size(0), raw.options());
  return B / B.square().sum(1, /*keepdim=*/true).sqrt();
}

/// log cosh(y) = |y| + log1p(e^{−2|y|}) − log 2, without overflow.
at::Tensor log_cosh(const at::Tensor& y) {
  auto a = y.abs();
  return a + torch::log1p(torch::exp(-2.0 * a)) - kLog2;
}

/// Nodes and weights of the n-point Gauss–Hermite rule for E[f(Z)], Z ~ N(0, 1)
/// (probabilists' Hermite polynomials), by Golub–Welsch: the eigenvalues of the
/// Jacobi matrix with off-diagonal √k are the nodes, the squared first
/// components of its eigenvectors the weights (summing to one).
std::pair<at::Tensor, at::Tensor> gauss_hermite(int64_t n) {
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto off = torch::arange(1, n, opts).sqrt();
  auto J = torch::diag(off, 1) + torch::diag(off, -1);
  auto [values, vectors] = torch::linalg_eigh(J);
  auto w = vectors[0].square();
  return {values, w / w.sum()};
}

}  // namespace

GaussianCopula::GaussianCopula(int64_t dim, GaussianCopulaOptions options)
    : Family(dim), options_(options) {
  check_option_positive("GaussianCopula", "dim", static_cast<double>(dim));
  check_positive_finite("GaussianCopula", "init_scale", options.init_scale());
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  loc = register_parameter("loc", torch::zeros({dim}, opts));
  log_scale = register_parameter("log_scale", torch::full({dim}, std::log(options.init_scale()), opts));
  corr_raw = register_parameter("corr_raw", torch::zeros({dim, dim}, opts));
  if (options.marginal() == CopulaMarginal::sinh_arcsinh) {
    skew = register_parameter("skew", torch::zeros({dim}, opts));
    log_tail = register_parameter("log_tail", torch::zeros({dim}, opts));
  }
}

std::string GaussianCopula::family_name() const {
  return options_.marginal() == CopulaMarginal::gaussian ? "copula:gaussian" : "copula";
}

at::Tensor GaussianCopula::correlation_cholesky() const { return corr_cholesky_from_raw(corr_raw); }

at::Tensor GaussianCopula::correlation() const {
  torch::NoGradGuard no_grad;
  auto L = correlation_cholesky();
  return L.matmul(L.t());
}

at::Tensor GaussianCopula::rsample(int64_t num_draws, at::Generator gen) {
  check_option_positive("GaussianCopula::rsample", "num_draws", static_cast<double>(num_draws));
  auto eps = torch::randn({num_draws, dim()}, gen, loc.options());
  auto z = eps.matmul(correlation_cholesky().t());  // z ~ N(0, R)
  auto x = z;
  if (options_.marginal() == CopulaMarginal::sinh_arcsinh) {
    x = torch::sinh((torch::asinh(z) + skew) * torch::exp(-log_tail));
  }
  return loc + log_scale.exp() * x;
}

at::Tensor GaussianCopula::log_prob_impl(const at::Tensor& theta, bool detach) const {
  check_dim("GaussianCopula::log_prob", "theta", theta, 2);
  if (theta.size(1) != dim()) {
    throw DomainError("GaussianCopula::log_prob: theta has " + std::to_string(theta.size(1)) +
                      " columns, but the family has dimension " + std::to_string(dim()));
  }
  auto get = [detach](const at::Tensor& p) { return detach ? p.detach() : p; };
  auto log_sigma = get(log_scale);
  auto x = (theta - get(loc)) * torch::exp(-log_sigma);  // [K, D]
  at::Tensor z = x;
  at::Tensor log_jacobian = -log_sigma.sum().expand({theta.size(0)});  // Σ log |dz/dθ|
  if (options_.marginal() == CopulaMarginal::sinh_arcsinh) {
    auto log_delta = get(log_tail);
    auto inner = torch::exp(log_delta) * torch::asinh(x) - get(skew);
    z = torch::sinh(inner);
    log_jacobian = (log_delta + log_cosh(inner) - 0.5 * torch::log1p(x.square())).sum(1) -
                   log_sigma.sum();
  }
  auto L = corr_cholesky_from_raw(get(corr_raw));
  auto w = torch::linalg_solve_triangular(L, z.t(), /*upper=*/false);  // L⁻¹ z [D, K]
  auto log_copula_normal =
      -0.5 * w.square().sum(0) - L.diagonal().log().sum() - 0.5 * dim() * kLog2Pi;
  return log_copula_normal + log_jacobian;
}

at::Tensor GaussianCopula::log_prob(const at::Tensor& theta) { return log_prob_impl(theta, false); }

at::Tensor GaussianCopula::log_prob_stop_gradient(const at::Tensor& theta) {
  return log_prob_impl(theta, true);
}

at::Tensor GaussianCopula::entropy() {
  if (!has_entropy()) return Family::entropy();
  return log_scale.sum() + correlation_cholesky().diagonal().log().sum() +
         gaussian_entropy_constant(dim());
}

at::Tensor GaussianCopula::transform_detached(const at::Tensor& z) const {
  if (options_.marginal() == CopulaMarginal::gaussian) return z;
  return torch::sinh((torch::asinh(z) + skew.detach()) * torch::exp(-log_tail.detach()));
}

at::Tensor GaussianCopula::transform_coordinate_detached(const at::Tensor& z, int64_t d) const {
  if (options_.marginal() == CopulaMarginal::gaussian) return z;
  return torch::sinh((torch::asinh(z) + skew.detach()[d]) * torch::exp(-log_tail.detach()[d]));
}

at::Tensor GaussianCopula::mean() {
  torch::NoGradGuard no_grad;
  if (options_.marginal() == CopulaMarginal::gaussian) return loc.detach().clone();
  auto [nodes, w] = gauss_hermite(48);
  auto S = transform_detached(nodes.unsqueeze(1).expand({nodes.size(0), dim()}));  // [n, D]
  return loc.detach() + log_scale.detach().exp() * w.matmul(S);
}

at::Tensor GaussianCopula::covariance() {
  torch::NoGradGuard no_grad;
  auto sigma = log_scale.detach().exp();
  auto R = correlation();
  if (options_.marginal() == CopulaMarginal::gaussian) {
    return sigma.unsqueeze(1) * R * sigma.unsqueeze(0);
  }
  const int64_t D = dim();
  auto [nodes, w] = gauss_hermite(48);
  const int64_t n = nodes.size(0);
  auto S = transform_detached(nodes.unsqueeze(1).expand({n, D}));  // S_d(x_n) [n, D]
  auto m = w.matmul(S);                                             // E[S_d]
  auto cov = torch::empty({D, D}, sigma.options());
  auto W2 = w.unsqueeze(1) * w.unsqueeze(0);  // [n, n]
  for (int64_t i = 0; i < D; ++i) {
    cov[i][i] = w.matmul(S.select(1, i).square()) - m[i].square();
    for (int64_t j = i + 1; j < D; ++j) {
      // z_i = x, z_j = r x + √(1 − r²) y with x, y independent N(0, 1).
      const double r = R[i][j].item<double>();
      auto zj = r * nodes.unsqueeze(1) + std::sqrt(std::max(0.0, 1.0 - r * r)) * nodes.unsqueeze(0);
      auto Sj = transform_coordinate_detached(zj, j);  // [n, n]
      auto value = (W2 * S.select(1, i).unsqueeze(1) * Sj).sum() - m[i] * m[j];
      cov[i][j] = value;
      cov[j][i] = value;
    }
  }
  return sigma.unsqueeze(1) * cov * sigma.unsqueeze(0);
}

void GaussianCopula::initialize(const at::Tensor& location) {
  check_shape("GaussianCopula::initialize", "location", location, {dim()});
  check_finite("GaussianCopula::initialize", "location", location);
  torch::NoGradGuard no_grad;
  loc.copy_(location);
}

std::shared_ptr<Family> GaussianCopula::clone_family() const {
  auto copy = std::make_shared<GaussianCopula>(dim(), options_);
  torch::NoGradGuard no_grad;
  auto src = parameters();
  auto dst = copy->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  return copy;
}

}  // namespace elbo::family
