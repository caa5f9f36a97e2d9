#include "elbo/dist/independent.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"

namespace elbo::dist {

namespace {
std::vector<int64_t> split_batch(const Distribution& base, int64_t ndims) {
  const auto& b = base.batch_shape();
  return {b.begin(), b.end() - ndims};
}
std::vector<int64_t> split_event(const Distribution& base, int64_t ndims) {
  const auto& b = base.batch_shape();
  std::vector<int64_t> event(b.end() - ndims, b.end());
  event.insert(event.end(), base.event_shape().begin(), base.event_shape().end());
  return event;
}
const std::shared_ptr<const Distribution>& independent_params(
    const std::shared_ptr<const Distribution>& base, int64_t ndims) {
  if (!base) throw DomainError("independent: base distribution is null");
  auto max = static_cast<int64_t>(base->batch_shape().size());
  if (ndims < 0 || ndims > max) {
    throw DomainError(check_message("independent", "reinterpreted_batch_ndims", -1,
                                    static_cast<double>(ndims),
                                    "in [0, " + std::to_string(max) + "] (the batch dims of " +
                                        base->name() + ")"));
  }
  return base;
}
}  // namespace

Independent::Independent(std::shared_ptr<const Distribution> base,
                         int64_t reinterpreted_batch_ndims)
    : Independent(independent_params(base, reinterpreted_batch_ndims), reinterpreted_batch_ndims, true) {}

Independent::Independent(std::shared_ptr<const Distribution> base, int64_t ndims, bool)
    : Distribution(split_batch(*base, ndims), split_event(*base, ndims)),
      base_(std::move(base)),
      ndims_(ndims) {}

at::Tensor Independent::sum_reinterpreted(const at::Tensor& x) const {
  if (ndims_ == 0) return x;
  std::vector<int64_t> dims;
  for (int64_t i = 1; i <= ndims_; ++i) dims.push_back(-i);
  return x.sum(dims);
}

at::Tensor Independent::log_prob(const at::Tensor& value) const {
  return sum_reinterpreted(base_->log_prob(value));
}

at::Tensor Independent::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  return base_->sample(sample_shape, std::move(gen));
}

at::Tensor Independent::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  if (!base_->has_rsample()) {
    throw DomainError("independent: base distribution " + base_->name() +
                      " has no reparameterised sampler (rsample)");
  }
  return base_->rsample(sample_shape, std::move(gen));
}

at::Tensor Independent::entropy() const { return sum_reinterpreted(base_->entropy()); }

}  // namespace elbo::dist
