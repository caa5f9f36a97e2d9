#pragma once
// t({...}): a double tensor from a list, the shorthand of the dist tests.
#include <torch/torch.h>

#include <vector>

namespace elbo::dist::test_helpers {

inline at::Tensor t(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }

}  // namespace elbo::dist::test_helpers
