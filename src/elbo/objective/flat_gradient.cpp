#include "elbo/objective/flat_gradient.hpp"

#include <torch/torch.h>

#include <vector>

namespace elbo::objective {

at::Tensor flat_gradient(Objective& objective, const model::LogDensity& p, family::Family& q,
                         at::Generator gen, double* value) {
  for (auto& param : q.parameters()) param.mutable_grad() = at::Tensor();
  auto e = objective.estimate(p, q, p.all_data(), gen);
  if (value) *value = e.value;
  e.surrogate.backward();
  std::vector<at::Tensor> parts;
  for (auto& param : q.parameters()) {
    parts.push_back(param.grad().defined() ? param.grad().reshape(-1).clone()
                                           : torch::zeros({param.numel()}, param.options()));
  }
  return torch::cat(parts);
}

}  // namespace elbo::objective
