#pragma once
// Sample quantiles.
#include <vector>

namespace elbo::diagnostics {

/// Hyndman & Fan (1996) type 7 (R's default, numpy's "linear"): with the sorted
/// sample x_(1..n) and h = (n − 1) p, Q(p) = x_(⌊h⌋+1) + (h − ⌊h⌋)(x_(⌊h⌋+2) − x_(⌊h⌋+1)).
/// Throws DomainError for an empty sample or p outside [0, 1].
std::vector<double> quantiles_type7(std::vector<double> x, const std::vector<double>& probs);

/// Weighted quantile as in the loo package's E_loo: sort x, take the normalised
/// cumulative weights W_i, and interpolate linearly between (W_{i−1}, x_(i−1)) and
/// (W_i, x_(i)) where W_i is the first ≥ p (x_(1) when i = 1). With equal weights it
/// falls back to type 7, as loo does. Weights need not be normalised; they must be
/// nonnegative with a positive sum (DomainError otherwise) and match x in size.
std::vector<double> weighted_quantiles(const std::vector<double>& x,
                                       const std::vector<double>& weights,
                                       const std::vector<double>& probs);

}  // namespace elbo::diagnostics
