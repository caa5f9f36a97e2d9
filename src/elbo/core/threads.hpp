#pragma once
// One thread-count setting for everything elbo computes with.
//
// Debian's LibTorch multiplies matrices in the system BLAS (OpenBLAS through
// libblas.so.3), whose pthread pool is sized apart from LibTorch's OpenMP pool;
// at::set_num_threads sizes only the latter. With both pools at n > 1 threads the
// OpenMP workers spin after every parallel region and take the cores from
// OpenBLAS's workers: on 2 cores a VAE epoch took 0.72 s instead of 0.19 s and an
// `elbo fit logistic` 0.15 s instead of 0.07 s. OpenMP at 1 thread with OpenBLAS at n
// was the fastest setting on every workload measured (the FLOPs are in the BLAS),
// so that is what set_num_threads does.

namespace elbo {

/// Use `threads` (> 0) threads: OpenBLAS's pool gets them and LibTorch's intra-op
/// pool runs single-threaded; with another BLAS, LibTorch's pool gets them.
void set_num_threads(int threads);

/// The count last given to set_num_threads, else LibTorch's pool size.
int num_threads();

/// One per hardware thread (at least 1): what the CLI uses unless told otherwise.
int default_num_threads();

/// The BLAS pool size, or 0 when the loaded BLAS does not report it.
int blas_num_threads();

}  // namespace elbo
