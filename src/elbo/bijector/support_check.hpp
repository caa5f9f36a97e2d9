#pragma once
// Checks that a value handed to a bijector's inverse lies strictly inside the
// bijector's support, in the shared message format of core/check.hpp:
//   "LowerBound::inverse: x[3] is -1, but must be greater than 0".
// Internal to the bijector module.
#include <ATen/core/Tensor.h>

namespace elbo::bijector::detail {

/// Throws unless t has an event (last) dimension, i.e. is not a scalar.
void check_has_event_dim(const char* function, const at::Tensor& t, const char* name);

void check_greater_than(const char* function, const char* name, const at::Tensor& x,
                        double lower);
void check_less_than(const char* function, const char* name, const at::Tensor& x,
                     double upper);
void check_open_interval(const char* function, const char* name, const at::Tensor& x,
                         double lower, double upper);

}  // namespace elbo::bijector::detail
