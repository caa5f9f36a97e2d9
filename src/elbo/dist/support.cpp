#include "elbo/dist/support.hpp"

#include <torch/torch.h>

#include <limits>

namespace elbo::dist {

at::Tensor mask_outside_support(const at::Tensor& log_prob, const at::Tensor& in_support) {
  return at::where(in_support, log_prob,
                   at::scalar_tensor(-std::numeric_limits<double>::infinity(),
                                     log_prob.options()));
}

at::Tensor inside_or(const at::Tensor& value, const at::Tensor& in_support, double stand_in) {
  return at::where(in_support, value, at::scalar_tensor(stand_in, value.options()));
}

at::Tensor is_integer(const at::Tensor& value) {
  if (!at::isFloatingType(value.scalar_type())) return at::ones_like(value, at::kBool);
  return value == value.round();
}

double tiny(const at::Tensor& value) {
  return value.scalar_type() == at::kFloat ? std::numeric_limits<float>::min()
                                           : std::numeric_limits<double>::min();
}

}  // namespace elbo::dist
