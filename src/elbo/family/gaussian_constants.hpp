#pragma once
// Constants shared by the Gaussian families.
#include <cmath>
#include <cstdint>

#include "elbo/core/math_constants.hpp"

namespace elbo::family {

using ::elbo::kLog2Pi;

/// Entropy of a D-dimensional Gaussian with log|Σ|^{1/2} = half_log_det:
///   H = D/2 (1 + log 2π) + ½ log|Σ|.
inline double gaussian_entropy_constant(int64_t dim) { return 0.5 * dim * (1.0 + kLog2Pi); }

}  // namespace elbo::family
