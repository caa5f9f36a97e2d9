#include "elbo/distributed/minibatch.hpp"

#include <algorithm>
#include <random>
#include <unordered_set>

namespace elbo::distributed {

std::vector<int64_t> global_minibatch(int64_t num_points, int64_t batch_size, uint64_t seed, int64_t step) {
  std::vector<int64_t> batch;
  if (batch_size >= num_points) {
    batch.resize(static_cast<size_t>(num_points));
    for (int64_t i = 0; i < num_points; ++i) batch[static_cast<size_t>(i)] = i;
    return batch;
  }
  const auto s = static_cast<uint64_t>(step);
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(s),
                    static_cast<uint32_t>(s >> 32), 0x5eedu};
  std::mt19937_64 rng(seq);
  std::unordered_set<int64_t> chosen;
  chosen.reserve(static_cast<size_t>(2 * batch_size));
  batch.reserve(static_cast<size_t>(batch_size));
  for (int64_t j = num_points - batch_size; j < num_points; ++j) {
    std::uniform_int_distribution<int64_t> pick(0, j);
    const int64_t t = pick(rng);
    const int64_t v = chosen.insert(t).second ? t : j;
    if (v == j) chosen.insert(j);
    batch.push_back(v);
  }
  std::sort(batch.begin(), batch.end());
  return batch;
}

std::vector<int64_t> local_part(const std::vector<int64_t>& global_batch, int64_t first, int64_t count) {
  const auto lo = std::lower_bound(global_batch.begin(), global_batch.end(), first);
  const auto hi = std::lower_bound(lo, global_batch.end(), first + count);
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(hi - lo));
  for (auto it = lo; it != hi; ++it) out.push_back(*it - first);
  return out;
}

}  // namespace elbo::distributed
