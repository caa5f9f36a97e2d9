#include "elbo/infer/stein_kernel.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace elbo::infer {

// The O(n² D) loops, written with GCC vector extensions (8 doubles: one AVX-512
// register, two AVX2 or four SSE2 ones) and cloned per instruction set with
// run-time dispatch, since the library is built for baseline x86-64.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ELBO_STEIN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ELBO_STEIN_CLONES
#endif

namespace stein_detail {

constexpr int64_t kLanes = 8;  // doubles per vector
constexpr int64_t kRows = 4;   // rows per register block
typedef double Vec __attribute__((vector_size(kLanes * sizeof(double))));
// The same vector at any double's address (unaligned, aliasing double).
typedef double VecAt __attribute__((vector_size(kLanes * sizeof(double)), aligned(8), may_alias));
#define ELBO_STEIN_AT(p) (*reinterpret_cast<VecAt*>(p))
#define ELBO_STEIN_AT_CONST(p) (*reinterpret_cast<const VecAt*>(p))

/// d2[i, j] = |x_i|² + |x_j|² − 2 x_i·x_j (clamped at 0) for rows i < n and the
/// column blocks reaching j ≥ i; xt is x transposed [D, np] (padding columns 0).
/// Each dot product sums over d in order, so d2[i, j] = d2[j, i] exactly.
ELBO_STEIN_CLONES
void gram_upper(const double* xt, int64_t np, int64_t n, int64_t D, double* d2) {
  for (int64_t i0 = 0; i0 < n; i0 += kRows) {
    for (int64_t j0 = (i0 / kLanes) * kLanes; j0 < np; j0 += kLanes) {
      Vec acc[kRows] = {};
      for (int64_t d = 0; d < D; ++d) {
        const double* row = xt + d * np;
        const Vec xj = ELBO_STEIN_AT_CONST(row + j0);
        for (int64_t r = 0; r < kRows; ++r) acc[r] += xj * row[i0 + r];
      }
      for (int64_t r = 0; r < kRows; ++r) ELBO_STEIN_AT(d2 + (i0 + r) * np + j0) = acc[r];
    }
  }
}

/// out[i, :] (+)= Σ_{j<n} A[i, j] U[j, :] for rows i < n (rounded up to the block);
/// A [np, np], U and out [np, dp], dp a multiple of the lane width.
ELBO_STEIN_CLONES
void accumulate(const double* A, int64_t np, int64_t n, const double* U, int64_t dp, double* out,
                bool add) {
  for (int64_t c0 = 0; c0 < dp; c0 += kLanes) {
    for (int64_t i0 = 0; i0 < n; i0 += kRows) {
      Vec acc[kRows] = {};
      if (add) {
        for (int64_t r = 0; r < kRows; ++r) acc[r] = ELBO_STEIN_AT_CONST(out + (i0 + r) * dp + c0);
      }
      const double* a = A + i0 * np;
      for (int64_t j = 0; j < n; ++j) {
        const Vec u = ELBO_STEIN_AT_CONST(U + j * dp + c0);
        for (int64_t r = 0; r < kRows; ++r) acc[r] += a[r * np + j] * u;
      }
      for (int64_t r = 0; r < kRows; ++r) ELBO_STEIN_AT(out + (i0 + r) * dp + c0) = acc[r];
    }
  }
}

/// v ← −v / h over m values (then exp gives the RBF kernel).
ELBO_STEIN_CLONES
void scale_neg_div(double* v, int64_t m, double h) {
  for (int64_t k = 0; k < m; ++k) v[k] = -v[k] / h;
}

/// IMQ: K = (1 + r²/h)^(−1/2) in place of r², W = K³.
ELBO_STEIN_CLONES
void imq(double* d2, double* w, int64_t m, double h) {
  for (int64_t k = 0; k < m; ++k) {
    const double kv = 1.0 / std::sqrt(1.0 + d2[k] / h);
    d2[k] = kv;
    w[k] = kv * kv * kv;
  }
}

}  // namespace stein_detail

using namespace stein_detail;

void SteinWorkspace::resize(int64_t n, int64_t D) {
  if (n == n_ && D == D_) return;
  n_ = n;
  D_ = D;
  np_ = (n + kLanes - 1) / kLanes * kLanes;
  dp_ = (D + 1 + kLanes - 1) / kLanes * kLanes;
  xt_.assign(static_cast<size_t>(D * np_), 0.0);
  d2_.assign(static_cast<size_t>(np_ * np_), 0.0);
  w_.assign(static_cast<size_t>(np_ * np_), 0.0);
  u_.assign(static_cast<size_t>(2 * np_ * dp_), 0.0);
  out_.assign(static_cast<size_t>(np_ * dp_), 0.0);
  upper_.assign(static_cast<size_t>(n * (n - 1) / 2), 0.0);
  d2_tensor_ = at::from_blob(d2_.data(), {np_ * np_}, at::TensorOptions().dtype(at::kDouble));
}

void SteinWorkspace::distances(const double* x) {
  const int64_t n = n_, D = D_, np = np_;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t d = 0; d < D; ++d) xt_[d * np + i] = x[i * D + d];
  }
  double* d2 = d2_.data();
  gram_upper(xt_.data(), np, n, D, d2);  // d2[i, j] = x_i·x_j for j ≥ i
  // |x_i|² + |x_j|² − 2 x_i·x_j, clamped at 0, on the upper triangle; mirrored below.
  for (int64_t i = 0; i < n; ++i) {
    const double sqi = d2[i * np + i];
    for (int64_t j = i + 1; j < n; ++j) {
      d2[i * np + j] = std::max(sqi + d2[j * np + j] - 2.0 * d2[i * np + j], 0.0);
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    d2[i * np + i] = 0.0;
    for (int64_t j = 0; j < i; ++j) d2[i * np + j] = d2[j * np + i];
    std::fill(d2 + i * np + n, d2 + (i + 1) * np, 0.0);
  }
  std::fill(d2 + n * np, d2 + np * np, 0.0);
}

double SteinWorkspace::median_from_distances() {
  const int64_t n = n_, np = np_;
  if (n < 2) return 1.0;
  double* up = upper_.data();
  for (int64_t i = 0; i < n; ++i) {
    up = std::copy(d2_.data() + i * np + i + 1, d2_.data() + i * np + n, up);
  }
  // The lower median (torch.median's convention for an even count).
  const auto k = (static_cast<int64_t>(upper_.size()) - 1) / 2;
  std::nth_element(upper_.begin(), upper_.begin() + k, upper_.end());
  const double h = upper_[static_cast<size_t>(k)] / std::log(static_cast<double>(n));
  return (std::isfinite(h) && h > 0.0) ? h : 1.0;
}

double SteinWorkspace::median_bandwidth(const double* x, int64_t n, int64_t D) {
  resize(n, D);
  distances(x);
  return median_from_distances();
}

double SteinWorkspace::direction(const double* x, const double* g, int64_t n, int64_t D,
                                 SvgdKernel kernel, double h, double* phi) {
  resize(n, D);
  distances(x);
  if (h == 0.0) h = median_from_distances();
  const int64_t np = np_, dp = dp_, m = np * np;
  double* u = u_.data();
  double* u2 = u + np * dp;
  double c;
  if (kernel == SvgdKernel::rbf) {
    // K = exp(−r²/h), c = 2/h: out = K [g − c x, 1].
    c = 2.0 / h;
    scale_neg_div(d2_.data(), m, h);
    d2_tensor_.exp_();
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t d = 0; d < D; ++d) u[j * dp + d] = g[j * D + d] - c * x[j * D + d];
      u[j * dp + D] = 1.0;
    }
    accumulate(d2_.data(), np, n, u, dp, out_.data(), false);
  } else {
    // K = (1 + r²/h)^(−1/2), W = K³, c = 1/h: out = K [g, 0] + W [−c x, 1].
    c = 1.0 / h;
    imq(d2_.data(), w_.data(), m, h);
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t d = 0; d < D; ++d) {
        u[j * dp + d] = g[j * D + d];
        u2[j * dp + d] = -c * x[j * D + d];
      }
      u[j * dp + D] = 0.0;
      u2[j * dp + D] = 1.0;
    }
    accumulate(d2_.data(), np, n, u, dp, out_.data(), false);
    accumulate(w_.data(), np, n, u2, dp, out_.data(), true);
  }
  const double nd = static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    const double* o = out_.data() + i * dp;
    const double cs = c * o[D];  // c Σ_j W_ij
    for (int64_t d = 0; d < D; ++d) phi[i * D + d] = (o[d] + cs * x[i * D + d]) / nd;
  }
  return h;
}

}  // namespace elbo::infer
