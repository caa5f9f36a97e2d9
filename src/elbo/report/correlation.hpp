#pragma once
// Which parameters go into the pair plot: the ones in the most strongly
// correlated pairs of draws, since those are where a marginal view misleads most.
#include <cstddef>
#include <vector>

namespace elbo::report {

/// Pearson correlation of two equally long series over the rows where both
/// are finite; NaN when fewer than two such rows or either is constant.
double correlation(const std::vector<double>& a, const std::vector<double>& b);

/// Indices of up to `max_params` columns taken pair by pair in decreasing
/// |correlation| (ties: lower indices first), then in column order if the
/// pairs run out; only the first `max_columns` columns are searched (the search
/// is quadratic). Constant and non-finite columns are skipped.
std::vector<size_t> most_correlated(const std::vector<std::vector<double>>& columns, size_t max_params,
                                    size_t max_columns = 200);

}  // namespace elbo::report
