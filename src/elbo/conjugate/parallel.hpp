#pragma once
// A minimal fork-join over index ranges with std::thread (no OpenMP, so no
// build change): parallel_for(n, threads, f) calls f(thread_index, begin, end)
// on `threads` contiguous chunks of [0, n) and joins them. Exceptions thrown by
// a chunk are rethrown in the caller (the first one wins).
#include <cstdint>
#include <functional>

namespace elbo::conjugate {

/// Number of threads to use: `requested` if > 0, else std::thread::hardware_concurrency().
int resolve_threads(int requested);

void parallel_for(int64_t n, int threads,
                  const std::function<void(int thread, int64_t begin, int64_t end)>& f);

}  // namespace elbo::conjugate
