#include "elbo/bijector/bijector.hpp"

namespace elbo::bijector {

std::vector<int64_t> Bijector::unconstrained_shape(
    const std::vector<int64_t>& constrained_shape) const {
  return constrained_shape;
}

int64_t Bijector::unconstrained_size(const std::vector<int64_t>& constrained_shape) const {
  int64_t n = 1;
  for (int64_t d : unconstrained_shape(constrained_shape)) n *= d;
  return n;
}

}  // namespace elbo::bijector
