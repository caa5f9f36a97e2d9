#include "elbo/dist/beta.hpp"

#include <torch/torch.h>

#include <limits>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> beta_params(const Param& concentration1, const Param& concentration0) {
  check_positive_finite("beta", "concentration1", concentration1);
  check_positive_finite("beta", "concentration0", concentration0);
  return broadcast_params("beta", {concentration1.tensor(), concentration0.tensor()});
}
}  // namespace

Beta::Beta(Param concentration1, Param concentration0)
    : Beta(beta_params(concentration1, concentration0)) {}

Beta::Beta(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      concentration1_(std::move(params[0])),
      concentration0_(std::move(params[1])) {}

at::Tensor Beta::log_prob(const at::Tensor& value) const {
  auto inside = (value >= 0) & (value <= 1);
  auto x = inside_or(value, inside, 0.5);
  const auto& a = concentration1_;
  const auto& b = concentration0_;
  auto lbeta = a.lgamma() + b.lgamma() - (a + b).lgamma();
  auto lp = at::xlogy(a - 1, x) + at::special_xlog1py(b - 1, -x) - lbeta;
  return mask_outside_support(lp, inside);
}

at::Tensor Beta::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor Beta::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto g1 = at::_standard_gamma(concentration1_.expand(shape).contiguous(), gen);
  auto g0 = at::_standard_gamma(concentration0_.expand(shape).contiguous(), gen);
  g1 = g1.clamp_min(tiny(g1));
  g0 = g0.clamp_min(tiny(g0));
  double eps = std::numeric_limits<double>::epsilon();
  if (g1.scalar_type() == at::kFloat) eps = std::numeric_limits<float>::epsilon();
  return (g1 / (g1 + g0)).clamp(tiny(g1), 1.0 - eps);
}

at::Tensor Beta::entropy() const {
  const auto& a = concentration1_;
  const auto& b = concentration0_;
  auto lbeta = a.lgamma() + b.lgamma() - (a + b).lgamma();
  return lbeta - (a - 1) * a.digamma() - (b - 1) * b.digamma() +
         (a + b - 2) * (a + b).digamma();
}

at::Tensor Beta::mean() const { return concentration1_ / (concentration1_ + concentration0_); }

at::Tensor Beta::variance() const {
  auto total = concentration1_ + concentration0_;
  return concentration1_ * concentration0_ / (total.square() * (total + 1));
}

}  // namespace elbo::dist
