#include "elbo/model/small_matmul.hpp"

#include <vector>

namespace elbo::model {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ELBO_MATMUL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ELBO_MATMUL_CLONES
#endif

namespace {

constexpr int64_t kLanes = 8;  // columns per block: one AVX-512 register
constexpr int64_t kRows = 8;   // rows per block
typedef double Vec __attribute__((vector_size(kLanes * sizeof(double))));
typedef double VecAt __attribute__((vector_size(kLanes * sizeof(double)), aligned(8), may_alias));

/// C[M, N] = A[M, K] · B[K, N] with M and N multiples of 8.
ELBO_MATMUL_CLONES
void matmul_blocks(const double* A, int64_t lda, const double* B, int64_t ldb, double* C,
                   int64_t ldc, int64_t M, int64_t N, int64_t K) {
  for (int64_t c0 = 0; c0 < N; c0 += kLanes) {
    for (int64_t i0 = 0; i0 < M; i0 += kRows) {
      Vec acc[kRows] = {};
      const double* a = A + i0 * lda;
      for (int64_t l = 0; l < K; ++l) {
        const Vec b = *reinterpret_cast<const VecAt*>(B + l * ldb + c0);
        for (int64_t r = 0; r < kRows; ++r) acc[r] += a[r * lda + l] * b;
      }
      for (int64_t r = 0; r < kRows; ++r) {
        *reinterpret_cast<VecAt*>(C + (i0 + r) * ldc + c0) = acc[r];
      }
    }
  }
}

/// C[rows, cols] (+)= T[rows, cols] (leading dimension ldt).
void store(const double* T, int64_t ldt, double* C, int64_t ldc, int64_t rows, int64_t cols,
           bool accumulate) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      C[i * ldc + j] = accumulate ? C[i * ldc + j] + T[i * ldt + j] : T[i * ldt + j];
    }
  }
}

}  // namespace

void small_matmul(const double* A, int64_t lda, const double* B, int64_t ldb, double* C,
                  int64_t ldc, int64_t M, int64_t N, int64_t K, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  const int64_t M8 = M / kRows * kRows, N8 = N / kLanes * kLanes;
  const int64_t mt = M - M8, nt = N - N8;  // the ragged edges, padded with zeros to 8
  std::vector<double> tmp;
  if (M8 > 0 && N8 > 0) {
    if (accumulate) {
      tmp.resize(static_cast<size_t>(M8 * N8));
      matmul_blocks(A, lda, B, ldb, tmp.data(), N8, M8, N8, K);
      store(tmp.data(), N8, C, ldc, M8, N8, true);
    } else {
      matmul_blocks(A, lda, B, ldb, C, ldc, M8, N8, K);
    }
  }
  std::vector<double> b_edge, a_edge;
  if (nt > 0) {  // B's last nt columns, padded: [K, 8]
    b_edge.assign(static_cast<size_t>(K * kLanes), 0.0);
    for (int64_t l = 0; l < K; ++l) {
      for (int64_t j = 0; j < nt; ++j) b_edge[l * kLanes + j] = B[l * ldb + N8 + j];
    }
    if (M8 > 0) {
      tmp.resize(static_cast<size_t>(M8 * kLanes));
      matmul_blocks(A, lda, b_edge.data(), kLanes, tmp.data(), kLanes, M8, kLanes, K);
      store(tmp.data(), kLanes, C + N8, ldc, M8, nt, accumulate);
    }
  }
  if (mt > 0) {  // A's last mt rows, padded: [8, K]
    a_edge.assign(static_cast<size_t>(kRows * K), 0.0);
    for (int64_t i = 0; i < mt; ++i) {
      for (int64_t l = 0; l < K; ++l) a_edge[i * K + l] = A[(M8 + i) * lda + l];
    }
    const int64_t width = N8 + (nt > 0 ? kLanes : 0);
    tmp.resize(static_cast<size_t>(kRows * width));
    if (N8 > 0) matmul_blocks(a_edge.data(), K, B, ldb, tmp.data(), width, kRows, N8, K);
    if (nt > 0) {
      matmul_blocks(a_edge.data(), K, b_edge.data(), kLanes, tmp.data() + N8, width, kRows,
                    kLanes, K);
    }
    store(tmp.data(), width, C + M8 * ldc, ldc, mt, N, accumulate);
  }
}

}  // namespace elbo::model
