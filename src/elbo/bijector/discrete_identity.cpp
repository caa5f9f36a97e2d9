#include "elbo/bijector/discrete_identity.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {

std::string DiscreteIdentity::name() const {
  return support_ == Support::binary ? "DiscreteIdentity(binary)" : "DiscreteIdentity(one_hot)";
}

at::Tensor DiscreteIdentity::forward(const at::Tensor& y) const { return y; }

at::Tensor DiscreteIdentity::inverse(const at::Tensor& x) const {
  const char* function = "DiscreteIdentity::inverse";
  auto binary = (x == 0) | (x == 1);
  auto flat = binary.reshape({-1}).logical_not();
  if (flat.any().item<bool>()) {
    const int64_t index = flat.nonzero().index({0, 0}).item<int64_t>();
    throw DomainError(check_message(function, "x", index,
                                    x.reshape({-1})[index].item<double>(), "0 or 1"));
  }
  if (support_ == Support::one_hot) {
    if (x.dim() < 1) throw DomainError(std::string(function) + ": a one-hot value needs a class dimension");
    auto sums = x.sum(-1).reshape({-1});
    auto bad = (sums != 1);
    if (bad.any().item<bool>()) {
      const int64_t row = bad.nonzero().index({0, 0}).item<int64_t>();
      throw DomainError(check_message(function, "row sum of x", row, sums[row].item<double>(),
                                      "1 (one-hot)"));
    }
  }
  return x;
}

at::Tensor DiscreteIdentity::log_abs_det_jacobian(const at::Tensor& y) const {
  return torch::zeros_like(y);
}

std::vector<int64_t> DiscreteIdentity::unconstrained_shape(
    const std::vector<int64_t>& constrained_shape) const {
  if (support_ == Support::one_hot && constrained_shape.empty()) {
    throw DomainError(
        "DiscreteIdentity(one_hot): a one-hot latent needs a class dimension; declare shape "
        "{C} or {N, C}");
  }
  return constrained_shape;
}

}  // namespace elbo::bijector
