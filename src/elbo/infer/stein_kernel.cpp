#include "elbo/infer/stein_kernel.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#define ELBO_STEIN_AVX512_BAND 1
#endif

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

/// The paper's Adagrad in one pass: H ← α H + (1 − α) φ² (H ← φ² at the first
/// step), x ← x + ε φ / (1e-6 + √H). (This file is compiled with
/// -fno-math-errno, so the square root vectorises.)
ELBO_STEIN_CLONES
void adagrad_step(double* x, double* hist, const double* phi, int64_t m, double eps, double alpha,
                  bool first) {
  const double a = first ? 0.0 : alpha, b = first ? 1.0 : 1.0 - alpha;
  for (int64_t k = 0; k < m; ++k) {
    const double h = hist[k] * a + b * (phi[k] * phi[k]);
    hist[k] = h;
    x[k] += eps * (phi[k] / (std::sqrt(h) + 1e-6));
  }
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

/// One pass over the upper triangle of r² (rows i < n, columns i < j < n):
/// the number of values below lo, and the values in [lo, hi] gathered into
/// band (which has 8 spare slots past the gathered count). Branch-free.
void band_pass(const double* d2, int64_t np, int64_t n, double lo, double hi, double* band,
               int64_t* below, int64_t* count) {
  int64_t b = 0, c = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double* row = d2 + i * np;
    for (int64_t j = i + 1; j < n; ++j) {
      const double v = row[j];
      b += static_cast<int64_t>(v < lo);
      band[c] = v;
      c += static_cast<int64_t>((v >= lo) & (v <= hi));
    }
  }
  *below = b;
  *count = c;
}

#ifdef ELBO_STEIN_AVX512_BAND
/// band_pass with AVX-512 masked compares and compress (8 values at a time).
__attribute__((target("avx512f"))) void band_pass_avx512(const double* d2, int64_t np, int64_t n,
                                                         double lo, double hi, double* band,
                                                         int64_t* below, int64_t* count) {
  const __m512d lov = _mm512_set1_pd(lo), hiv = _mm512_set1_pd(hi);
  int64_t b = 0, c = 0;
  for (int64_t i = 0; i + 1 < n; ++i) {
    const double* row = d2 + i * np;
    for (int64_t j = i + 1; j < n; j += 8) {
      const int64_t left = n - j;
      const auto valid = static_cast<__mmask8>(left >= 8 ? 0xFF : (1u << left) - 1u);
      const __m512d v = _mm512_maskz_loadu_pd(valid, row + j);
      const __mmask8 lt = _mm512_mask_cmp_pd_mask(valid, v, lov, _CMP_LT_OQ);
      const __mmask8 in = _mm512_mask_cmp_pd_mask(valid, v, lov, _CMP_GE_OQ) &
                          _mm512_cmp_pd_mask(v, hiv, _CMP_LE_OQ);
      b += __builtin_popcount(lt);
      _mm512_storeu_pd(band + c, _mm512_maskz_compress_pd(in, v));
      c += __builtin_popcount(in);
    }
  }
  *below = b;
  *count = c;
}
#endif

}  // namespace stein_detail

using namespace stein_detail;

void SteinAdagrad::update(double* x, const double* phi, int64_t m, double eps, double alpha,
                          bool first) {
  if (static_cast<int64_t>(hist_.size()) != m) {
    hist_.assign(static_cast<size_t>(m), 0.0);
    first = true;
  }
  adagrad_step(x, hist_.data(), phi, m, eps, alpha, first);
}

void SteinWorkspace::resize(int64_t n, int64_t D) {
  if (n == n_ && D == D_) return;
  last_med2_ = 0.0;
  width_ = 0.05;
  n_ = n;
  D_ = D;
  np_ = (n + kLanes - 1) / kLanes * kLanes;
  dp_ = (D + 1 + kLanes - 1) / kLanes * kLanes;
  xt_.assign(static_cast<size_t>(D * np_), 0.0);
  d2_.assign(static_cast<size_t>(np_ * np_), 0.0);
  w_.assign(static_cast<size_t>(np_ * np_), 0.0);
  u_.assign(static_cast<size_t>(2 * np_ * dp_), 0.0);
  out_.assign(static_cast<size_t>(np_ * dp_), 0.0);
  upper_.assign(static_cast<size_t>(n * (n - 1) / 2 + kLanes), 0.0);  // + band_pass's spare
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
}

void SteinWorkspace::mirror_upper(double diagonal) {
  // Mirror the upper triangle in 8 × 8 tiles; set the diagonal, zero the padding.
  const int64_t n = n_, np = np_;
  double* d2 = d2_.data();
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
    d2[i * np + i] = diagonal;
    std::fill(d2 + i * np + n, d2 + (i + 1) * np, 0.0);
  }
  std::fill(d2 + n * np, d2 + np * np, 0.0);
}

void stein_band_pass(const double* d2, int64_t np, int64_t n, double lo, double hi, double* band,
                     int64_t* below, int64_t* count, bool vectorised) {
#ifdef ELBO_STEIN_AVX512_BAND
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (vectorised && avx512) {
    band_pass_avx512(d2, np, n, lo, hi, band, below, count);
    return;
  }
#endif
  (void)vectorised;
  band_pass(d2, np, n, lo, hi, band, below, count);
}

double SteinWorkspace::median_from_distances() {
  // The k-th smallest of the m values, found exactly by bracketing it in
  // [lo, hi], counting the values below lo and selecting within the gathered
  // band (Floyd & Rivest 1975, "Expected time bounds for selection"). The
  // bracket is the last median ± a relative width (particles move little per
  // step; the width adapts to keep the band small), else two order statistics
  // of an evenly spaced sample; when both miss, selection over all values.
  const int64_t n = n_, np = np_;
  if (n < 2) return 1.0;
  const int64_t m = n * (n - 1) / 2;
  const int64_t k = (m - 1) / 2;  // the lower median (torch.median's convention)
  const double* d2 = d2_.data();
  double med2 = 0.0;
  int64_t count = 0;
  bool found = false;
  if (last_med2_ > 0.0 && std::isfinite(last_med2_)) {
    found = select_in_band(d2, np, n, k, last_med2_ * (1.0 - width_), last_med2_ * (1.0 + width_),
                           &med2, &count);
    if (found) {
      // Aim for a band of m/64 to m/16 values: cheap to select, rarely missed.
      if (count > m / 16) width_ = std::max(0.7 * width_, 1e-6);
      if (count < m / 64) width_ = std::min(1.3 * width_, 0.5);
    } else {
      width_ = std::min(2.0 * width_, 0.5);
    }
  }
  if (!found) {
    double lo, hi;
    found = sample_bracket(d2, np, n, k, &lo, &hi) && select_in_band(d2, np, n, k, lo, hi, &med2, &count);
  }
  if (!found) {
    double* up = upper_.data();
    for (int64_t i = 0; i < n; ++i) up = std::copy(d2 + i * np + i + 1, d2 + i * np + n, up);
    std::nth_element(upper_.begin(), upper_.begin() + k, upper_.begin() + m);
    med2 = upper_[static_cast<size_t>(k)];
  }
  last_med2_ = med2;
  const double h = med2 / std::log(static_cast<double>(n));
  return (std::isfinite(h) && h > 0.0) ? h : 1.0;
}

bool SteinWorkspace::sample_bracket(const double* d2, int64_t np, int64_t n, int64_t k, double* lo,
                                    double* hi) {
  // Two order statistics of an evenly spaced sample around the median's rank.
  const int64_t m = n * (n - 1) / 2;
  constexpr int64_t kSample = 192;
  if (m < 4 * kSample) return false;
  sample_.clear();
  const int64_t stride = m / kSample;
  int64_t next = stride / 2, index = 0;
  for (int64_t i = 0; i < n && static_cast<int64_t>(sample_.size()) < kSample; ++i) {
    const int64_t row_end = index + (n - 1 - i);
    while (next < row_end && static_cast<int64_t>(sample_.size()) < kSample) {
      sample_.push_back(d2[i * np + i + 1 + (next - index)]);
      next += stride;
    }
    index = row_end;
  }
  const int64_t s = static_cast<int64_t>(sample_.size());
  // The median's rank in the sample is k s / m ± √s/2 (binomial sd); take ±3 sd.
  const double centre = static_cast<double>(k) * static_cast<double>(s) / static_cast<double>(m);
  const double margin = 1.5 * std::sqrt(static_cast<double>(s)) + 1.0;
  const auto lo_rank = static_cast<int64_t>(std::max(0.0, std::floor(centre - margin)));
  const auto hi_rank =
      static_cast<int64_t>(std::min(static_cast<double>(s - 1), std::ceil(centre + margin)));
  std::nth_element(sample_.begin(), sample_.begin() + lo_rank, sample_.end());
  *lo = sample_[static_cast<size_t>(lo_rank)];
  std::nth_element(sample_.begin() + lo_rank, sample_.begin() + hi_rank, sample_.end());
  *hi = sample_[static_cast<size_t>(hi_rank)];
  return *lo <= *hi;  // false on NaN
}

bool SteinWorkspace::select_in_band(const double* d2, int64_t np, int64_t n, int64_t k, double lo,
                                    double hi, double* med2, int64_t* count) {
  double* band = upper_.data();
  int64_t below = 0;
  stein_band_pass(d2, np, n, lo, hi, band, &below, count);
  // Exact only when the k-th value is inside the bracket (the counts say so).
  if (k < below || k >= below + *count) return false;
  std::nth_element(band, band + (k - below), band + *count);
  *med2 = band[k - below];
  return true;
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
    // exp on the upper triangle's vectors only (about half of K), then mirror.
    for (int64_t i = 0; i < n; ++i) {
      const int64_t j0 = (i + 1) / kLanes * kLanes;
      rbf(d2_.data() + i * np + j0, np - j0, h);
    }
    mirror_upper(1.0);
    pack_rhs(g, x, n, D, dp, 1.0, -c, 1.0, u);
    accumulate(d2_.data(), np, n, u, dp, out_.data(), false);
  } else {
    // K = (1 + r²/h)^(−1/2), W = K³, c = 1/h: out = K [g, 0] + W [−c x, 1].
    c = 1.0 / h;
    mirror_upper(0.0);
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
