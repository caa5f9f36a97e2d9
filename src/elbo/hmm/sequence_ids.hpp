#pragma once
// Sequences in a long-format table: one row per time step, a column of sequence
// ids, each sequence's rows contiguous and in time order.
#include <cstdint>
#include <string>
#include <vector>

namespace elbo::hmm {

/// Offsets [0, t_1, …, T] of the runs of equal ids. The ids must be sorted
/// (non-decreasing): a decrease is an InputError naming `file`, its line (row + 2,
/// after the header) and `field`, since it means a sequence is split or out of order.
std::vector<int64_t> sequence_starts_from_ids(const std::vector<double>& ids, const std::string& file,
                                              const std::string& field);

}  // namespace elbo::hmm
