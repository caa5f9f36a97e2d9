#include "elbo/family/mean_field_gaussian.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/family/gaussian_constants.hpp"
#include "elbo/family/overdispersion.hpp"

namespace elbo::family {

MeanFieldGaussian::MeanFieldGaussian(int64_t dim, double init_scale) : Family(dim) {
  check_option_positive("MeanFieldGaussian", "dim", static_cast<double>(dim));
  check_positive_finite("MeanFieldGaussian", "init_scale", init_scale);
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  loc = register_parameter("loc", torch::zeros({dim}, opts));
  log_scale = register_parameter("log_scale", torch::full({dim}, std::log(init_scale), opts));
}

at::Tensor MeanFieldGaussian::rsample(int64_t num_draws, at::Generator gen) {
  auto eps = torch::randn({num_draws, dim()}, gen, loc.options());
  return loc + eps * log_scale.exp();
}

at::Tensor MeanFieldGaussian::log_prob(const at::Tensor& theta) {
  auto z = (theta - loc) * torch::exp(-log_scale);
  return -0.5 * z.square().sum(-1) - log_scale.sum() - 0.5 * dim() * kLog2Pi;
}

at::Tensor MeanFieldGaussian::log_prob_stop_gradient(const at::Tensor& theta) {
  auto log_sd = log_scale.detach();
  auto z = (theta - loc.detach()) * torch::exp(-log_sd);
  return -0.5 * z.square().sum(-1) - log_sd.sum() - 0.5 * dim() * kLog2Pi;
}

at::Tensor MeanFieldGaussian::entropy() {
  return log_scale.sum() + gaussian_entropy_constant(dim());
}

at::Tensor MeanFieldGaussian::mean() { return loc.detach().clone(); }

at::Tensor MeanFieldGaussian::covariance() {
  return torch::diag(torch::exp(2 * log_scale.detach()));
}

void MeanFieldGaussian::initialize(const at::Tensor& location) {
  check_shape("MeanFieldGaussian::initialize", "location", location, {dim()});
  torch::NoGradGuard no_grad;
  loc.copy_(location);
}

void MeanFieldGaussian::initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) {
  check_shape("MeanFieldGaussian::initialize_gaussian", "mean", mean, {dim()});
  check_shape("MeanFieldGaussian::initialize_gaussian", "precision", precision, {dim(), dim()});
  torch::NoGradGuard no_grad;
  loc.copy_(mean);
  log_scale.copy_(-0.5 * precision.diagonal().log());
}

std::shared_ptr<Family> MeanFieldGaussian::clone_family() const {
  auto copy = std::make_shared<MeanFieldGaussian>(dim());
  torch::NoGradGuard no_grad;
  copy->loc.copy_(loc);
  copy->log_scale.copy_(log_scale);
  return copy;
}

std::vector<std::vector<int64_t>> MeanFieldGaussian::factor_coordinates() const {
  std::vector<std::vector<int64_t>> out;
  for (int64_t d = 0; d < dim(); ++d) out.push_back({d});
  return out;
}

at::Tensor MeanFieldGaussian::log_prob_factors(const at::Tensor& theta) {
  auto z = (theta - loc) * torch::exp(-log_scale);
  return -0.5 * z.square() - log_scale - 0.5 * kLog2Pi;
}

std::vector<at::Tensor> MeanFieldGaussian::parameter_factors() {
  auto index = torch::arange(dim(), torch::TensorOptions().dtype(torch::kLong));
  return {index, index.clone()};
}

std::vector<at::Tensor> MeanFieldGaussian::score(const at::Tensor& theta) {
  torch::NoGradGuard no_grad;
  auto inv_sd = torch::exp(-log_scale);
  auto z = (theta - loc) * inv_sd;
  return {z * inv_sd, z.square() - 1.0};
}

std::shared_ptr<Family> MeanFieldGaussian::overdispersed(double tau) const {
  check_overdispersion("MeanFieldGaussian::overdispersed", tau);
  auto copy = clone_family();
  auto& r = static_cast<MeanFieldGaussian&>(*copy);
  torch::NoGradGuard no_grad;
  r.log_scale.add_(0.5 * std::log(tau));
  for (auto& p : r.parameters()) p.set_requires_grad(false);
  return copy;
}

}  // namespace elbo::family
