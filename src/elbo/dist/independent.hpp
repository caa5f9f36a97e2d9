#pragma once
// Reinterprets the last `reinterpreted_batch_ndims` batch dimensions of a base
// distribution as event dimensions: log_prob and entropy are summed over them
// (the product of independent components). E.g. Independent(Normal(loc[D], scale[D]), 1)
// is a diagonal Gaussian with event_shape [D].
#include <memory>
#include <type_traits>

#include "elbo/dist/distribution.hpp"

namespace elbo::dist {

class Independent : public Distribution {
 public:
  /// 0 ≤ reinterpreted_batch_ndims ≤ base->batch_shape().size().
  Independent(std::shared_ptr<const Distribution> base, int64_t reinterpreted_batch_ndims);
  /// Convenience: Independent(Normal(loc, scale), 1).
  template <class D,
            class = std::enable_if_t<std::is_base_of_v<Distribution, std::decay_t<D>>>>
  Independent(D&& base, int64_t reinterpreted_batch_ndims)
      : Independent(std::make_shared<std::decay_t<D>>(std::forward<D>(base)),
                    reinterpreted_batch_ndims) {}

  std::string name() const override { return "independent"; }
  at::Tensor log_prob(const at::Tensor& value) const override;
  at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const override;
  bool has_rsample() const override { return base_->has_rsample(); }
  at::Tensor entropy() const override;
  bool has_entropy() const override { return base_->has_entropy(); }
  at::Tensor mean() const override { return base_->mean(); }
  at::Tensor variance() const override { return base_->variance(); }

  const Distribution& base() const { return *base_; }
  const std::shared_ptr<const Distribution>& base_ptr() const { return base_; }
  int64_t reinterpreted_batch_ndims() const { return ndims_; }

  /// Sums the last reinterpreted_batch_ndims() dimensions of a base-shaped result.
  at::Tensor sum_reinterpreted(const at::Tensor& x) const;

 private:
  Independent(std::shared_ptr<const Distribution> base, int64_t ndims, bool /*checked*/);
  std::shared_ptr<const Distribution> base_;
  int64_t ndims_;
};

}  // namespace elbo::dist
