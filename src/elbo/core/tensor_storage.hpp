#pragma once
// A check for tensors read from torch archives. torch's Module::load set_()s each
// parameter to the file's tensor, keeping the parameter's dtype: a tensor saved
// with a narrower dtype leaves it with too small a storage (sizes and dtype
// right, its last elements past the end), so reading it overruns the heap.
#include <ATen/core/Tensor.h>

namespace elbo {

/// True when every element `t`'s sizes, strides and offset address lies inside
/// its storage (always for an empty tensor).
bool within_storage(const at::Tensor& t);

}  // namespace elbo
