#include "elbo/family/point_mass.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"

namespace elbo::family {

PointMass::PointMass(int64_t dim) : Family(dim) {
  check_option_positive("PointMass", "dim", static_cast<double>(dim));
  loc = register_parameter("loc", torch::zeros({dim}, torch::TensorOptions().dtype(torch::kDouble)));
}

at::Tensor PointMass::rsample(int64_t num_draws, at::Generator /*gen*/) {
  return loc.unsqueeze(0).expand({num_draws, dim()});
}

at::Tensor PointMass::log_prob(const at::Tensor& theta) {
  return torch::zeros({theta.size(0)}, loc.options());
}

at::Tensor PointMass::entropy() { return torch::zeros({}, loc.options()); }

at::Tensor PointMass::mean() { return loc.detach().clone(); }

at::Tensor PointMass::covariance() { return torch::zeros({dim(), dim()}, loc.options()); }

void PointMass::initialize(const at::Tensor& location) {
  check_shape("PointMass::initialize", "location", location, {dim()});
  torch::NoGradGuard no_grad;
  loc.copy_(location);
}

std::shared_ptr<Family> PointMass::clone_family() const {
  auto copy = std::make_shared<PointMass>(dim());
  torch::NoGradGuard no_grad;
  copy->loc.copy_(loc);
  return copy;
}

}  // namespace elbo::family
