#include "elbo/model/subsample.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"

namespace elbo::model {

Subsample Subsample::all(int64_t total) {
  check_option_positive("Subsample::all", "total", static_cast<double>(total));
  return Subsample(at::Tensor(), total, total);
}

Subsample Subsample::of(at::Tensor indices, int64_t total) {
  check_dim("Subsample::of", "indices", indices, 1);
  check_option_positive("Subsample::of", "size", static_cast<double>(indices.size(0)));
  int64_t size = indices.size(0);
  return Subsample(indices.to(torch::kLong), size, total);
}

Subsample Subsample::tempered(double beta) const {
  check_nonnegative("Subsample::tempered", "beta", beta);
  check_finite("Subsample::tempered", "beta", beta);
  Subsample out = *this;
  out.likelihood_weight_ = beta;
  return out;
}

at::Tensor Subsample::rows(const at::Tensor& data) const {
  if (is_full()) return data;
  return data.index_select(0, indices_);
}

}  // namespace elbo::model
