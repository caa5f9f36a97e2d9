#pragma once
// Helpers shared by the densities for values outside the support: log_prob
// returns −inf there (never NaN, never a throw), and the density formula is
// evaluated at a harmless stand-in so no NaN/inf reaches the gradients.
#include <ATen/core/Tensor.h>

namespace elbo::dist {

/// where(in_support, log_prob, −inf).
at::Tensor mask_outside_support(const at::Tensor& log_prob, const at::Tensor& in_support);

/// where(in_support, value, stand_in): a value safe to put through the formula.
at::Tensor inside_or(const at::Tensor& value, const at::Tensor& in_support, double stand_in);

/// Integer-valued entries (value == round(value)) of a floating or integer tensor.
at::Tensor is_integer(const at::Tensor& value);

/// The smallest positive normal number of `value`'s dtype; gamma draws are
/// clamped to it so log(draw) stays finite.
double tiny(const at::Tensor& value);

}  // namespace elbo::dist
