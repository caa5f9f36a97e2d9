#include "elbo/family/flow_transform.hpp"

#include <torch/torch.h>

#include "elbo/core/error.hpp"

namespace elbo::family {

void copy_module_state(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto target_params = to.named_parameters(/*recurse=*/true);
  for (const auto& item : from.named_parameters(/*recurse=*/true)) {
    auto* dest = target_params.find(item.key());
    if (dest == nullptr || dest->sizes() != item.value().sizes()) {
      throw DomainError("copy_module_state: parameter '" + item.key() +
                        "' is missing or has another shape in the copy");
    }
    dest->copy_(item.value());
  }
  auto target_buffers = to.named_buffers(/*recurse=*/true);
  for (const auto& item : from.named_buffers(/*recurse=*/true)) {
    auto* dest = target_buffers.find(item.key());
    if (dest == nullptr || dest->sizes() != item.value().sizes()) {
      throw DomainError("copy_module_state: buffer '" + item.key() +
                        "' is missing or has another shape in the copy");
    }
    dest->copy_(item.value());
  }
}

}  // namespace elbo::family
