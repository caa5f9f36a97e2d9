#include "elbo/core/random.hpp"

#include <ATen/CPUGeneratorImpl.h>

namespace elbo {

at::Generator make_generator(uint64_t seed) {
  return at::detail::createCPUGenerator(seed);
}

}  // namespace elbo
