#pragma once
// tanh as a network activation: y = tanh(x), ∂y/∂x = 1 − y², computed for contiguous
// float CPU tensors with glibc's 8-lane vector tanhf (libmvec, within 4 ulp; the value
// differs from torch::tanh by rounding only) in one pass each way; torch::tanh otherwise.
#include <ATen/core/Tensor.h>

namespace elbo::amortized {

at::Tensor tanh_activation(const at::Tensor& x);

}  // namespace elbo::amortized
