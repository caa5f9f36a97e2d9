#include "elbo/family/family.hpp"

#include <torch/torch.h>

#include "elbo/core/error.hpp"

namespace elbo::family {

at::Tensor Family::sample(int64_t num_draws, at::Generator gen) {
  torch::NoGradGuard no_grad;
  return rsample(num_draws, gen).detach();
}

std::vector<at::Tensor> Family::canonical_parameters(const std::vector<at::Tensor>&) {
  std::vector<at::Tensor> out;
  for (const auto& p : parameters()) out.push_back(p.detach().clone());
  return out;
}

WeightedDraws Family::rsample_weighted(int64_t num_draws, at::Generator gen) {
  WeightedDraws out;
  out.theta = rsample(num_draws, gen);
  out.log_q = log_prob(out.theta);
  out.weight = torch::full({num_draws}, 1.0 / static_cast<double>(num_draws),
                           out.theta.options());
  return out;
}

void Family::initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) {
  (void)precision;
  initialize(mean);
}

at::Tensor Family::log_prob_stop_gradient(const at::Tensor& theta) {
  auto frozen = clone_family();
  for (auto& param : frozen->parameters()) param.set_requires_grad(false);
  return frozen->log_prob(theta);
}

at::Tensor Family::entropy() {
  throw DomainError(family_name() + ": no analytic entropy; use the sampled estimate");
}

}  // namespace elbo::family
