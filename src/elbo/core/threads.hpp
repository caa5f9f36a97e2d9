#pragma once
// One thread-count setting for everything elbo computes with.
//
// at::set_num_threads only sizes LibTorch's OpenMP pool. Debian's LibTorch calls the
// system BLAS (OpenBLAS via libblas.so.3), whose pthread pool is sized separately
// and defaults to every core, so `--threads 1` would still run matrix products on
// all cores. set_num_threads sizes both.

namespace elbo {

/// Use `threads` (> 0) threads for LibTorch's intra-op pool and, when the loaded
/// BLAS is OpenBLAS, for its pool too.
void set_num_threads(int threads);

/// The BLAS pool size, or 0 when the loaded BLAS does not report it.
int blas_num_threads();

}  // namespace elbo
