#include "elbo/family/low_rank_gaussian.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/gaussian_constants.hpp"

namespace elbo::family {

LowRankGaussian::LowRankGaussian(int64_t dim, int64_t rank, double init_scale,
                                 uint64_t init_seed)
    : Family(dim), rank_(rank) {
  check_option_positive("LowRankGaussian", "dim", static_cast<double>(dim));
  check_option_positive("LowRankGaussian", "rank", static_cast<double>(rank));
  if (rank > dim) {
    throw ConfigError("LowRankGaussian: rank is " + std::to_string(rank) +
                      ", but must be at most the dimension " + std::to_string(dim));
  }
  check_positive_finite("LowRankGaussian", "init_scale", init_scale);
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto gen = make_generator(init_seed);
  loc = register_parameter("loc", torch::zeros({dim}, opts));
  factor = register_parameter("factor", 0.1 * init_scale * torch::randn({dim, rank}, gen, opts));
  log_diag = register_parameter("log_diag", torch::full({dim}, std::log(init_scale), opts));
}

at::Tensor LowRankGaussian::rsample(int64_t num_draws, at::Generator gen) {
  auto eps_factor = torch::randn({num_draws, rank_}, gen, loc.options());
  auto eps_diag = torch::randn({num_draws, dim()}, gen, loc.options());
  return loc + eps_factor.matmul(factor.t()) + eps_diag * log_diag.exp();
}

at::Tensor LowRankGaussian::capacitance_tril() const {
  auto w_scaled = factor * torch::exp(-log_diag).unsqueeze(1);  // Ψ^{-1/2} W
  auto cap = torch::eye(rank_, loc.options()) + w_scaled.t().matmul(w_scaled);
  return torch::linalg_cholesky(cap);
}

at::Tensor LowRankGaussian::log_prob(const at::Tensor& theta) {
  auto inv_sd = torch::exp(-log_diag);
  auto x = (theta - loc) * inv_sd;                        // Ψ^{-1/2}(θ−μ)  [K, D]
  auto w_scaled = factor * inv_sd.unsqueeze(1);           // Ψ^{-1/2} W     [D, r]
  auto cap_tril = capacitance_tril();
  auto proj = x.matmul(w_scaled).t();                     // WᵀΨ⁻¹(θ−μ)     [r, K]
  auto solved = torch::linalg_solve_triangular(cap_tril, proj, /*upper=*/false);
  auto mahalanobis = x.square().sum(-1) - solved.square().sum(0);
  auto half_log_det = cap_tril.diagonal().log().sum() + log_diag.sum();
  return -0.5 * mahalanobis - half_log_det - 0.5 * dim() * kLog2Pi;
}

at::Tensor LowRankGaussian::entropy() {
  auto half_log_det = capacitance_tril().diagonal().log().sum() + log_diag.sum();
  return half_log_det + gaussian_entropy_constant(dim());
}

at::Tensor LowRankGaussian::mean() { return loc.detach().clone(); }

at::Tensor LowRankGaussian::covariance() {
  auto W = factor.detach();
  return W.matmul(W.t()) + torch::diag(torch::exp(2 * log_diag.detach()));
}

void LowRankGaussian::initialize(const at::Tensor& location) {
  check_shape("LowRankGaussian::initialize", "location", location, {dim()});
  torch::NoGradGuard no_grad;
  loc.copy_(location);
}

std::vector<at::Tensor> LowRankGaussian::canonical_parameters(
    const std::vector<at::Tensor>& reference) {
  torch::NoGradGuard no_grad;
  auto svd = torch::linalg_svd(factor.detach(), /*full_matrices=*/false);
  auto rotated = factor.detach().matmul(std::get<2>(svd).t());  // W V = U S
  at::Tensor signs;
  if (reference.size() == 3 && reference[1].abs().sum().item<double>() > 0) {
    signs = (rotated * reference[1]).sum(0, /*keepdim=*/true).sign();
  } else {
    auto biggest = rotated.abs().argmax(0);
    signs = rotated.gather(0, biggest.unsqueeze(0)).sign();
  }
  signs = torch::where(signs == 0, torch::ones_like(signs), signs);
  return {loc.detach().clone(), rotated * signs, log_diag.detach().clone()};
}

std::shared_ptr<Family> LowRankGaussian::clone_family() const {
  auto copy = std::make_shared<LowRankGaussian>(dim(), rank_);
  torch::NoGradGuard no_grad;
  copy->loc.copy_(loc);
  copy->factor.copy_(factor);
  copy->log_diag.copy_(log_diag);
  return copy;
}

}  // namespace elbo::family
