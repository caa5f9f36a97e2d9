#pragma once
// C = A·B (or C += A·B) for small row-major double matrices, as in a model's
// log density on a batch of K draws (e.g. a GLM's η = β Xᵀ, [K, D]·[D, S], and
// its gradient r X, [K, S]·[S, D]). Register-blocked 8 × 8 over vector
// registers, compiled for AVX-512 / AVX2 / baseline x86-64 with run-time
// dispatch; on [100, 30]·[30, 569] and [100, 569]·[569, 30] it takes ~33 µs
// where at::mm (OpenBLAS) takes 110–200 µs (one thread). Each C_ij sums its
// K products in order l = 0, 1, ….
#include <cstdint>

namespace elbo::model {

/// C[M, N] (+)= A[M, K] · B[K, N]; leading dimensions lda, ldb, ldc (row-major).
void small_matmul(const double* A, int64_t lda, const double* B, int64_t ldb, double* C,
                  int64_t ldc, int64_t M, int64_t N, int64_t K, bool accumulate = false);

}  // namespace elbo::model
