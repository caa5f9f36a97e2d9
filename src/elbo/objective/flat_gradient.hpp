#pragma once
// One gradient estimate as a flat vector: what `elbo gradvar` and the
// estimators' unbiasedness tests draw many times to compare estimators.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "elbo/family/family.hpp"
#include "elbo/model/log_density.hpp"
#include "elbo/objective/objective.hpp"

namespace elbo::objective {

/// ∇λ of one estimate's surrogate on all of p's data, flattened and concatenated
/// in q.parameters() order (zeros for a parameter the estimate does not touch).
/// Clears q's gradients first; `value`, if given, receives the estimate's value.
at::Tensor flat_gradient(Objective& objective, const model::LogDensity& p, family::Family& q,
                         at::Generator gen, double* value = nullptr);

}  // namespace elbo::objective
