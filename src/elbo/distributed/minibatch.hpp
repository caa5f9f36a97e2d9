#pragma once
// The global minibatch of a data-parallel SVI step: S distinct indices out of M,
// drawn from a generator seeded by (seed, step) alone. Every rank draws the same
// batch without communicating, the batch does not depend on the number of ranks
// (so 1 and N ranks take the same steps), and a run resumed at step t needs no
// RNG state from the checkpoint — only t.
#include <cstdint>
#include <vector>

namespace elbo::distributed {

/// Sorted distinct indices in [0, M): all of them when S ≥ M, else S drawn
/// uniformly (Floyd's algorithm) from std::mt19937_64 seeded by seed_seq{seed, step}.
std::vector<int64_t> global_minibatch(int64_t num_points, int64_t batch_size, uint64_t seed, int64_t step);

/// The part of a sorted global batch held by a shard of points
/// [first, first + count), as local indices (index − first).
std::vector<int64_t> local_part(const std::vector<int64_t>& global_batch, int64_t first, int64_t count);

}  // namespace elbo::distributed
