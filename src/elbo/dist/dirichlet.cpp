#include "elbo/dist/dirichlet.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/dist/param.hpp"
#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> dirichlet_params(at::Tensor concentration) {
  if (concentration.dim() < 1 || concentration.size(-1) < 1) {
    throw DomainError("dirichlet: concentration has shape " +
                      shape_string(concentration.sizes()) +
                      ", but must have at least one dimension of size >= 1");
  }
  check_positive_finite("dirichlet", "concentration", Param(concentration));
  return {Param(std::move(concentration)).tensor()};
}
}  // namespace

Dirichlet::Dirichlet(at::Tensor concentration) : Dirichlet(dirichlet_params(std::move(concentration))) {}

Dirichlet::Dirichlet(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().slice(0, params[0].dim() - 1).vec(), {params[0].size(-1)}),
      concentration_(std::move(params[0])) {}

at::Tensor Dirichlet::log_prob(const at::Tensor& value) const {
  auto nonneg = (value >= 0).all(-1);
  auto on_simplex = nonneg & ((value.sum(-1) - 1).abs() <= 1e-6);
  auto x = at::where(on_simplex.unsqueeze(-1), value, at::ones_like(value));
  const auto& a = concentration_;
  auto lp = at::xlogy(a - 1, x).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1);
  return mask_outside_support(lp, on_simplex);
}

at::Tensor Dirichlet::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor Dirichlet::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto g = at::_standard_gamma(concentration_.expand(shape).contiguous(), gen);
  g = g.clamp_min(tiny(g));
  return g / g.sum(-1, /*keepdim=*/true);
}

at::Tensor Dirichlet::entropy() const {
  const auto& a = concentration_;
  auto a0 = a.sum(-1);
  auto k = static_cast<double>(a.size(-1));
  auto lbeta = a.lgamma().sum(-1) - a0.lgamma();
  return lbeta + (a0 - k) * a0.digamma() - ((a - 1) * a.digamma()).sum(-1);
}

at::Tensor Dirichlet::mean() const {
  return concentration_ / concentration_.sum(-1, /*keepdim=*/true);
}

at::Tensor Dirichlet::variance() const {
  auto a0 = concentration_.sum(-1, /*keepdim=*/true);
  return concentration_ * (a0 - concentration_) / (a0.square() * (a0 + 1));
}

}  // namespace elbo::dist
