#include "elbo/infer/stein_kernel.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "elbo/core/vector_exp.hpp"

namespace elbo::infer {

// The O(n² D) loops, written with GCC vector extensions (8 doubles: one AVX-512
// register, two AVX2 or four SSE2 ones) and cloned per instruction set with
// run-time dispatch, since the library is built for baseline x86-64.
// (sqrt does not vectorise here, errno being on: it is left to ATen's kernels.)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ELBO_STEIN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ELBO_STEIN_CLONES
#endif

namespace stein_detail {

constexpr int64_t kLanes = 8;  // doubles per vector
constexpr int64_t kRows = 8;   // rows per register block (np is a multiple)
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

/// RBF: K = exp(−r²/h) in place of r² (m a multiple of the lane width), by
/// simd::exp_nonpositive (≤ 1 ulp plus the polynomial's rounding).
ELBO_STEIN_CLONES
void rbf(double* d2, int64_t m, double h) {
  for (int64_t k = 0; k < m; k += kLanes) {
    ELBO_STEIN_AT(d2 + k) = simd::exp_nonpositive(-ELBO_STEIN_AT_CONST(d2 + k) / h);
  }
}

/// Adagrad's accumulator: H ← α H + (1 − α) φ², or H ← φ² at the first step.
ELBO_STEIN_CLONES
void adagrad_accumulate(double* hist, const double* phi, int64_t m, double alpha, bool first) {
  if (first) {
    for (int64_t k = 0; k < m; ++k) hist[k] = phi[k] * phi[k];
  } else {
    for (int64_t k = 0; k < m; ++k) hist[k] = hist[k] * alpha + (1.0 - alpha) * (phi[k] * phi[k]);
  }
}

/// x ← x + ε φ / (1e-6 + √H), with root = √H.
ELBO_STEIN_CLONES
void adagrad_move(double* x, const double* phi, const double* root, int64_t m, double eps) {
  for (int64_t k = 0; k < m; ++k) x[k] += eps * (phi[k] / (root[k] + 1e-6));
}

/// r²_ij = |x_i|² + |x_j|² − 2 G_ij (clamped at 0) for j > i, from the Gram
/// matrix's upper triangle and its diagonal sq.
ELBO_STEIN_CLONES
void sq_distances_upper(double* d2, int64_t np, int64_t n, const double* sq) {
  for (int64_t i = 0; i < n; ++i) {
    double* row = d2 + i * np;
    const double sqi = sq[i];
    for (int64_t j = i + 1; j < n; ++j) row[j] = std::max(sqi + sq[j] - 2.0 * row[j], 0.0);
  }
}

/// v ← 1 + v / h (IMQ: then K = v^(−1/2)).
ELBO_STEIN_CLONES
void one_plus_div(double* v, int64_t m, double h) {
  for (int64_t k = 0; k < m; ++k) v[k] = 1.0 + v[k] / h;
}

/// w = k³.
ELBO_STEIN_CLONES
void cube(const double* k, double* w, int64_t m) {
  for (int64_t i = 0; i < m; ++i) w[i] = k[i] * k[i] * k[i];
}

/// xt[d, i] = x[i, d] for i < n (row stride np).
ELBO_STEIN_CLONES
void transpose(const double* x, int64_t n, int64_t D, int64_t np, double* xt) {
  for (int64_t d = 0; d < D; ++d) {
    for (int64_t i = 0; i < n; ++i) xt[d * np + i] = x[i * D + d];
  }
}

/// u[j, :] = [a g_j + b x_j, last] for j < n (row stride dp).
ELBO_STEIN_CLONES
void pack_rhs(const double* g, const double* x, int64_t n, int64_t D, int64_t dp, double a,
              double b, double last, double* u) {
  for (int64_t j = 0; j < n; ++j) {
    double* uj = u + j * dp;
    const double* gj = g + j * D;
    const double* xj = x + j * D;
    for (int64_t d = 0; d < D; ++d) uj[d] = a * gj[d] + b * xj[d];
    uj[D] = last;
  }
}

/// φ_i = (out_i + c out_iD x_i) / n, out_iD = Σ_j W_ij.
ELBO_STEIN_CLONES
void finish_phi(const double* out, const double* x, int64_t n, int64_t D, int64_t dp, double c,
                double* phi) {
  const double nd = static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    const double* o = out + i * dp;
    const double cs = c * o[D];
    for (int64_t d = 0; d < D; ++d) phi[i * D + d] = (o[d] + cs * x[i * D + d]) / nd;
  }
}

}  // namespace stein_detail

using namespace stein_detail;

void SteinAdagrad::update(double* x, const double* phi, int64_t m, double eps, double alpha,
                          bool first) {
  if (static_cast<int64_t>(hist_.size()) != m) {
    hist_.assign(static_cast<size_t>(m), 0.0);
    root_.assign(static_cast<size_t>(m), 0.0);
    const auto dtype = at::TensorOptions().dtype(at::kDouble);
    hist_tensor_ = at::from_blob(hist_.data(), {m}, dtype);
    root_tensor_ = at::from_blob(root_.data(), {m}, dtype);
    first = true;
  }
  adagrad_accumulate(hist_.data(), phi, m, alpha, first);
  at::sqrt_out(root_tensor_, hist_tensor_);
  adagrad_move(x, phi, root_.data(), m, eps);
}

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
  sq_.assign(static_cast<size_t>(np_), 0.0);
  d2_tensor_ = at::from_blob(d2_.data(), {np_ * np_}, at::TensorOptions().dtype(at::kDouble));
}

void SteinWorkspace::distances(const double* x) {
  const int64_t n = n_, D = D_, np = np_;
  transpose(x, n, D, np, xt_.data());
  double* d2 = d2_.data();
  gram_upper(xt_.data(), np, n, D, d2);  // d2[i, j] = x_i·x_j for j ≥ i
  for (int64_t i = 0; i < n; ++i) sq_[i] = d2[i * np + i];
  sq_distances_upper(d2, np, n, sq_.data());
  // Mirror the upper triangle in 8 × 8 tiles; zero the diagonal and the padding.
  constexpr int64_t kTile = 8;
  for (int64_t i0 = 0; i0 < n; i0 += kTile) {
    for (int64_t j0 = 0; j0 <= i0; j0 += kTile) {
      const int64_t i1 = std::min(i0 + kTile, n), j1 = std::min(j0 + kTile, n);
      for (int64_t i = i0; i < i1; ++i) {
        for (int64_t j = j0; j < std::min(j1, i); ++j) d2[i * np + j] = d2[j * np + i];
      }
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    d2[i * np + i] = 0.0;
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
    rbf(d2_.data(), m, h);
    pack_rhs(g, x, n, D, dp, 1.0, -c, 1.0, u);
    accumulate(d2_.data(), np, n, u, dp, out_.data(), false);
  } else {
    // K = (1 + r²/h)^(−1/2), W = K³, c = 1/h: out = K [g, 0] + W [−c x, 1].
    c = 1.0 / h;
    one_plus_div(d2_.data(), m, h);
    d2_tensor_.rsqrt_();
    cube(d2_.data(), w_.data(), m);
    pack_rhs(g, x, n, D, dp, 1.0, 0.0, 0.0, u);
    pack_rhs(g, x, n, D, dp, 0.0, -c, 1.0, u2);
    accumulate(d2_.data(), np, n, u, dp, out_.data(), false);
    accumulate(w_.data(), np, n, u2, dp, out_.data(), true);
  }
  finish_phi(out_.data(), x, n, D, dp, c, phi);
  return h;
}

}  // namespace elbo::infer
