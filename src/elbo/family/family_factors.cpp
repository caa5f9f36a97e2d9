// Defaults of Family's mean-field / score / proposal interface (family.hpp):
// q is described as one factor; the per-draw score comes from autograd.
#include <torch/torch.h>

#include "elbo/core/error.hpp"
#include "elbo/family/family.hpp"

namespace elbo::family {

std::vector<std::vector<int64_t>> Family::factor_coordinates() const {
  std::vector<int64_t> all(static_cast<size_t>(dim()));
  for (int64_t d = 0; d < dim(); ++d) all[static_cast<size_t>(d)] = d;
  return {all};
}

at::Tensor Family::log_prob_factors(const at::Tensor& theta) {
  return log_prob(theta).unsqueeze(1);
}

std::vector<at::Tensor> Family::parameter_factors() {
  std::vector<at::Tensor> out;
  for (const auto& p : parameters()) {
    out.push_back(torch::zeros(p.sizes(), torch::TensorOptions().dtype(torch::kLong)));
  }
  return out;
}

std::vector<at::Tensor> Family::score(const at::Tensor& theta) {
  auto params = parameters();
  const int64_t K = theta.size(0);
  std::vector<at::Tensor> out;
  for (const auto& p : params) {
    std::vector<int64_t> shape{K};
    shape.insert(shape.end(), p.sizes().begin(), p.sizes().end());
    out.push_back(torch::zeros(shape, p.options().requires_grad(false)));
  }
  std::vector<at::Tensor> trainable;  // frozen parameters keep a zero score
  std::vector<size_t> index;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].requires_grad()) {
      trainable.push_back(params[i]);
      index.push_back(i);
    }
  }
  if (trainable.empty()) return out;
  auto x = theta.detach();
  for (int64_t k = 0; k < K; ++k) {
    torch::AutoGradMode enable(true);
    auto lq = log_prob(x.narrow(0, k, 1)).sum();
    auto grads = torch::autograd::grad({lq}, trainable, /*grad_outputs=*/{},
                                       /*retain_graph=*/false, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    for (size_t j = 0; j < trainable.size(); ++j) {
      if (grads[j].defined()) out[index[j]][k].copy_(grads[j]);
    }
  }
  return out;
}

std::shared_ptr<Family> Family::overdispersed(double tau) const {
  (void)tau;
  throw DomainError(family_name() +
                    ": no overdispersed proposal in this family; use overdispersion 1");
}

}  // namespace elbo::family
