#include "elbo/family/gaussian_mixture.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/family/gaussian_constants.hpp"

namespace elbo::family {

GaussianMixture::GaussianMixture(int64_t dim, int64_t num_components,
                                 GaussianMixtureOptions options)
    : Family(dim), num_components_(num_components), options_(options) {
  check_option_positive("GaussianMixture", "dim", static_cast<double>(dim));
  check_option_positive("GaussianMixture", "num_components", static_cast<double>(num_components));
  check_positive_finite("GaussianMixture", "init_scale", options.init_scale());
  check_nonnegative("GaussianMixture", "spread", options.spread());
  check_finite("GaussianMixture", "spread", options.spread());
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  const int64_t C = num_components;
  logits = register_parameter("logits", torch::zeros({C}, opts));
  loc = register_parameter("loc", torch::zeros({C, dim}, opts));
  log_diag = register_parameter("log_diag", torch::zeros({C, dim}, opts));
  if (options.full_rank()) {
    tril_raw = register_parameter("tril_raw", torch::zeros({C, dim, dim}, opts));
  }
  initialize(torch::zeros({dim}, opts));
}

std::string GaussianMixture::family_name() const {
  return "mixture:" + std::to_string(num_components_) + (full_rank() ? "" : ":diag");
}

at::Tensor GaussianMixture::weights() const { return torch::softmax(logits, 0); }
at::Tensor GaussianMixture::log_weights() const { return torch::log_softmax(logits, 0); }

at::Tensor GaussianMixture::scale_tril() const {
  auto diag = torch::diag_embed(log_diag.exp());
  return full_rank() ? torch::tril(tril_raw, -1) + diag : diag;
}

at::Tensor GaussianMixture::gaussian_log_prob(const at::Tensor& theta, const at::Tensor& loc,
                                              const at::Tensor& scale_tril) {
  const int64_t D = loc.size(-1);
  auto diff = (theta.unsqueeze(0) - loc.unsqueeze(1)).transpose(1, 2);  // [C, D, K]
  auto z = torch::linalg_solve_triangular(scale_tril, diff, /*upper=*/false);
  auto half_log_det = scale_tril.diagonal(0, -2, -1).log().sum(-1);  // [C]
  auto out = -0.5 * z.square().sum(1) - half_log_det.unsqueeze(1) - 0.5 * D * kLog2Pi;
  return out.t();  // [K, C]
}

at::Tensor GaussianMixture::log_prob_impl(const at::Tensor& theta, bool detach) const {
  check_dim("GaussianMixture::log_prob", "theta", theta, 2);
  if (theta.size(1) != dim()) {
    throw DomainError("GaussianMixture::log_prob: theta has " + std::to_string(theta.size(1)) +
                      " columns, but the family has dimension " + std::to_string(dim()));
  }
  auto m = detach ? loc.detach() : loc;
  auto ld = detach ? log_diag.detach() : log_diag;
  auto lw = torch::log_softmax(detach ? logits.detach() : logits, 0);
  at::Tensor comp;  // [K, C]
  if (full_rank()) {
    auto raw = detach ? tril_raw.detach() : tril_raw;
    comp = gaussian_log_prob(theta, m, torch::tril(raw, -1) + torch::diag_embed(ld.exp()));
  } else {
    auto z = (theta.unsqueeze(1) - m.unsqueeze(0)) * torch::exp(-ld).unsqueeze(0);  // [K, C, D]
    comp = -0.5 * z.square().sum(-1) - ld.sum(-1).unsqueeze(0) - 0.5 * dim() * kLog2Pi;
  }
  return torch::logsumexp(comp + lw.unsqueeze(0), 1);
}

at::Tensor GaussianMixture::component_log_prob(const at::Tensor& theta) const {
  return gaussian_log_prob(theta, loc, scale_tril());
}

at::Tensor GaussianMixture::log_prob(const at::Tensor& theta) {
  return log_prob_impl(theta, false);
}

at::Tensor GaussianMixture::log_prob_stop_gradient(const at::Tensor& theta) {
  return log_prob_impl(theta, true);
}

at::Tensor GaussianMixture::rsample(int64_t num_draws, at::Generator gen) {
  check_option_positive("GaussianMixture::rsample", "num_draws", static_cast<double>(num_draws));
  at::Tensor index;
  {
    torch::NoGradGuard no_grad;
    index = torch::multinomial(weights().detach(), num_draws, /*replacement=*/true, gen);
  }
  auto eps = torch::randn({num_draws, dim()}, gen, loc.options());
  auto mu = loc.index_select(0, index);  // [K, D]
  if (!full_rank()) return mu + eps * log_diag.index_select(0, index).exp();
  auto L = scale_tril().index_select(0, index);  // [K, D, D]
  return mu + torch::matmul(L, eps.unsqueeze(-1)).squeeze(-1);
}

WeightedDraws GaussianMixture::rsample_weighted(int64_t num_draws, at::Generator gen) {
  check_option_positive("GaussianMixture::rsample_weighted", "num_draws",
                        static_cast<double>(num_draws));
  const int64_t C = num_components_, K = num_draws;
  auto eps = torch::randn({C, K, dim()}, gen, loc.options());
  at::Tensor theta;
  if (full_rank()) {
    theta = loc.unsqueeze(1) + torch::matmul(eps, scale_tril().transpose(1, 2));
  } else {
    theta = loc.unsqueeze(1) + eps * log_diag.exp().unsqueeze(1);
  }
  WeightedDraws out;
  out.theta = theta.reshape({C * K, dim()});
  out.log_q = log_prob(out.theta);
  out.weight = weights().repeat_interleave(K) / static_cast<double>(K);
  return out;
}

at::Tensor GaussianMixture::mean() {
  torch::NoGradGuard no_grad;
  return weights().matmul(loc);
}

at::Tensor GaussianMixture::covariance() {
  torch::NoGradGuard no_grad;
  auto w = weights();
  auto L = scale_tril();
  auto second = torch::matmul(L, L.transpose(1, 2)) + loc.unsqueeze(2) * loc.unsqueeze(1);
  auto m = w.matmul(loc);
  return (w.view({-1, 1, 1}) * second).sum(0) - torch::outer(m, m);
}

void GaussianMixture::initialize(const at::Tensor& location) {
  check_shape("GaussianMixture::initialize", "location", location, {dim()});
  check_finite("GaussianMixture::initialize", "location", location);
  torch::NoGradGuard no_grad;
  const int64_t C = num_components_, D = dim();
  logits.zero_();
  log_diag.fill_(std::log(options_.init_scale()));
  if (tril_raw.defined()) tril_raw.zero_();
  loc.copy_(location.to(loc.options()).unsqueeze(0).expand({C, D}));
  if (C == 1) return;
  for (int64_t c = 0; c < C; ++c) {
    const int64_t pair = c / 2;
    const int64_t axis = pair % D;
    const double magnitude = options_.spread() * std::ldexp(1.0, static_cast<int>(pair / D));
    loc[c][axis] += (c % 2 == 0 ? magnitude : -magnitude);
  }
}

void GaussianMixture::set_components(const at::Tensor& new_loc, const at::Tensor& new_tril,
                                     const at::Tensor& new_weights) {
  const char* fn = "GaussianMixture::set_components";
  const int64_t C = num_components_, D = dim();
  check_shape(fn, "loc", new_loc, {C, D});
  check_shape(fn, "scale_tril", new_tril, {C, D, D});
  check_shape(fn, "weights", new_weights, {C});
  check_finite(fn, "loc", new_loc);
  check_cholesky_factor(fn, "scale_tril", new_tril);
  check_positive_finite(fn, "weights", new_weights);
  auto L = new_tril.to(loc.options());
  if (!full_rank()) {
    auto off = L - torch::diag_embed(L.diagonal(0, -2, -1));
    if (off.abs().max().item<double>() > 0.0) {
      throw DomainError(std::string(fn) + ": scale_tril has off-diagonal entries, but the mixture " +
                        "has diagonal components");
    }
  }
  torch::NoGradGuard no_grad;
  loc.copy_(new_loc);
  log_diag.copy_(L.diagonal(0, -2, -1).log());
  if (full_rank()) tril_raw.copy_(L.tril(-1));
  auto w = new_weights.to(loc.options());
  logits.copy_((w / w.sum()).log());
}

std::shared_ptr<Family> GaussianMixture::clone_family() const {
  auto copy = std::make_shared<GaussianMixture>(dim(), num_components_, options_);
  torch::NoGradGuard no_grad;
  copy->logits.copy_(logits);
  copy->loc.copy_(loc);
  copy->log_diag.copy_(log_diag);
  if (full_rank()) copy->tril_raw.copy_(tril_raw);
  return copy;
}

}  // namespace elbo::family
