#include "elbo/family/full_rank_gaussian.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/family/gaussian_constants.hpp"

namespace elbo::family {

FullRankGaussian::FullRankGaussian(int64_t dim, double init_scale) : Family(dim) {
  check_option_positive("FullRankGaussian", "dim", static_cast<double>(dim));
  check_positive_finite("FullRankGaussian", "init_scale", init_scale);
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  loc = register_parameter("loc", torch::zeros({dim}, opts));
  tril_raw = register_parameter("tril_raw", torch::zeros({dim, dim}, opts));
  log_diag = register_parameter("log_diag", torch::full({dim}, std::log(init_scale), opts));
}

at::Tensor FullRankGaussian::scale_tril() const {
  return torch::tril(tril_raw, -1) + torch::diag(log_diag.exp());
}

at::Tensor FullRankGaussian::rsample(int64_t num_draws, at::Generator gen) {
  auto eps = torch::randn({num_draws, dim()}, gen, loc.options());
  return loc + eps.matmul(scale_tril().t());
}

at::Tensor FullRankGaussian::log_prob(const at::Tensor& theta) {
  // z = L⁻¹(θ − μ) by one triangular solve over all K draws.
  auto diff = (theta - loc).t();  // [D, K]
  auto z = torch::linalg_solve_triangular(scale_tril(), diff, /*upper=*/false);
  return -0.5 * z.square().sum(0) - log_diag.sum() - 0.5 * dim() * kLog2Pi;
}

at::Tensor FullRankGaussian::log_prob_stop_gradient(const at::Tensor& theta) {
  at::Tensor L;
  {
    torch::NoGradGuard no_grad;  // L as a constant: no graph for λ
    L = scale_tril();
  }
  auto z = torch::linalg_solve_triangular(L, (theta - loc.detach()).t(), /*upper=*/false);
  return -0.5 * z.square().sum(0) - log_diag.detach().sum() - 0.5 * dim() * kLog2Pi;
}

at::Tensor FullRankGaussian::entropy() {
  return log_diag.sum() + gaussian_entropy_constant(dim());
}

at::Tensor FullRankGaussian::mean() { return loc.detach().clone(); }

at::Tensor FullRankGaussian::covariance() {
  auto L = scale_tril().detach();
  return L.matmul(L.t());
}

void FullRankGaussian::initialize(const at::Tensor& location) {
  check_shape("FullRankGaussian::initialize", "location", location, {dim()});
  torch::NoGradGuard no_grad;
  loc.copy_(location);
}

std::shared_ptr<Family> FullRankGaussian::clone_family() const {
  auto copy = std::make_shared<FullRankGaussian>(dim());
  torch::NoGradGuard no_grad;
  copy->loc.copy_(loc);
  copy->tril_raw.copy_(tril_raw);
  copy->log_diag.copy_(log_diag);
  return copy;
}

}  // namespace elbo::family
