#include "elbo/dist/distribution.hpp"

#include <torch/torch.h>

#include <atomic>

#include "elbo/core/error.hpp"

namespace elbo::dist {

namespace {
std::atomic<bool> g_validate_args{true};
}  // namespace

void set_validate_args(bool validate) { g_validate_args.store(validate); }
bool validate_args() { return g_validate_args.load(); }

at::Tensor Distribution::rsample(at::IntArrayRef /*sample_shape*/, at::Generator /*gen*/) const {
  throw DomainError(name() + ": has no reparameterised sampler (rsample)");
}

at::Tensor Distribution::entropy() const {
  throw DomainError(name() + ": has no analytic entropy");
}

at::Tensor Distribution::stddev() const { return variance().sqrt(); }

std::vector<int64_t> Distribution::extended_shape(at::IntArrayRef sample_shape) const {
  std::vector<int64_t> shape(sample_shape.begin(), sample_shape.end());
  shape.insert(shape.end(), batch_shape_.begin(), batch_shape_.end());
  shape.insert(shape.end(), event_shape_.begin(), event_shape_.end());
  return shape;
}

}  // namespace elbo::dist
