#include "elbo/amortized/gaussian.hpp"
#include "elbo/core/math_constants.hpp"

#include <torch/torch.h>

#include <cmath>

namespace elbo::amortized {

namespace {
}

at::Tensor standard_normal_log_prob(const at::Tensor& z) {
  return -0.5 * z.square().sum(-1) - static_cast<double>(z.size(-1)) * kHalfLog2Pi;
}

at::Tensor DiagonalGaussian::rsample(int64_t k, at::Generator gen, at::Tensor* eps) const {
  auto e = at::randn({k, mean.size(0), mean.size(1)}, gen, mean.options());
  if (eps != nullptr) *eps = e;
  return mean + log_std.exp() * e;
}

at::Tensor DiagonalGaussian::log_prob(const at::Tensor& z) const {
  return log_prob_from_noise((z - mean) * (-log_std).exp());
}

at::Tensor DiagonalGaussian::log_prob_from_noise(const at::Tensor& eps) const {
  return standard_normal_log_prob(eps) - log_std.sum(-1);
}

at::Tensor DiagonalGaussian::entropy() const {
  return log_std.sum(-1) + static_cast<double>(mean.size(-1)) * (0.5 + kHalfLog2Pi);
}

at::Tensor DiagonalGaussian::kl_standard_normal_per_dim() const {
  return 0.5 * (mean.square() + (2.0 * log_std).exp() - 1.0) - log_std;
}

at::Tensor CholeskyGaussian::rsample(int64_t k, at::Generator gen, at::Tensor* eps) const {
  auto e = at::randn({k, mean.size(0), mean.size(1)}, gen, mean.options());
  if (eps != nullptr) *eps = e;
  return mean + torch::matmul(scale_tril, e.unsqueeze(-1)).squeeze(-1);
}

at::Tensor CholeskyGaussian::log_prob(const at::Tensor& z) const {
  auto diff = (z - mean).unsqueeze(-1);
  // Broadcast L over the leading sample dimensions of z.
  std::vector<int64_t> shape = diff.sizes().vec();
  shape.back() = shape[shape.size() - 2];
  auto L = scale_tril.expand(shape);
  auto eps = torch::linalg_solve_triangular(L, diff, /*upper=*/false).squeeze(-1);
  return log_prob_from_noise(eps);
}

at::Tensor CholeskyGaussian::log_prob_from_noise(const at::Tensor& eps) const {
  return standard_normal_log_prob(eps) - scale_tril.diagonal(0, -2, -1).log().sum(-1);
}

at::Tensor CholeskyGaussian::entropy() const {
  return scale_tril.diagonal(0, -2, -1).log().sum(-1) +
         static_cast<double>(mean.size(-1)) * (0.5 + kHalfLog2Pi);
}

at::Tensor CholeskyGaussian::kl_standard_normal() const {
  const double d = static_cast<double>(mean.size(-1));
  return 0.5 * (scale_tril.square().sum({-2, -1}) + mean.square().sum(-1) - d) -
         scale_tril.diagonal(0, -2, -1).log().sum(-1);
}

at::Tensor CholeskyGaussian::covariance() const {
  return torch::matmul(scale_tril, scale_tril.transpose(-2, -1));
}

}  // namespace elbo::amortized
