#include "elbo/conjugate/lda_kernel.hpp"
#include "elbo/core/cpu_features.hpp"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ELBO_LDA_AVX2 1
#endif

namespace elbo::conjugate {

double lda_digamma(double x) {
  double num = 0.0, den = 1.0;  // Σ 1/x_j = num/den
  while (x < 10.0) {
    num = num * x + den;
    den *= x;
    x += 1.0;
  }
  const double r = 1.0 / x, r2 = r * r;
  return std::log(x) - 0.5 * r - num / den -
         r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240 - r2 * (1.0 / 132)))));
}

namespace {

inline double dot_plain(const double* b, const double* e, int64_t Kp) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int64_t k = 0; k < Kp; k += 4) {
    s0 += b[k] * e[k];
    s1 += b[k + 1] * e[k + 1];
    s2 += b[k + 2] * e[k + 2];
    s3 += b[k + 3] * e[k + 3];
  }
  return (s0 + s1) + (s2 + s3);
}

// A document's rows of exp E[log β]: packed (row i at B + i·Kp) or as pointers into
// the word-major table (no per-document copy).
struct PackedRows {
  const double* B;
  int64_t Kp;
  const double* operator()(int64_t i) const { return B + i * Kp; }
};
struct RowPointers {
  const double* const* p;
  const double* operator()(int64_t i) const { return p[i]; }
};

template <class Rows>
void accumulate_plain(Rows rows, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                      double* acc, double* ratio) {
  for (int64_t k = 0; k < Kp; ++k) acc[k] = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double* b = rows(i);
    const double r = c[i] / (dot_plain(b, e, Kp) + eps);
    ratio[i] = r;
    for (int64_t k = 0; k < Kp; ++k) acc[k] += r * b[k];
  }
}

template <class Rows>
void ratios_plain(Rows rows, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                  double* ratio) {
  for (int64_t i = 0; i < n; ++i) ratio[i] = c[i] / (dot_plain(rows(i), e, Kp) + eps);
}

void exp_dirichlet_plain(const double* g, int64_t K, int64_t Kp, double* e) {
  double sum = 0.0;
  for (int64_t k = 0; k < K; ++k) sum += g[k];
  const double psi_sum = lda_digamma(sum);
  for (int64_t k = 0; k < K; ++k) e[k] = std::exp(lda_digamma(g[k]) - psi_sum);
  for (int64_t k = K; k < Kp; ++k) e[k] = 0.0;
}

#ifdef ELBO_LDA_AVX2
#define ELBO_AVX2 __attribute__((target("avx2,fma")))

ELBO_AVX2 inline double dot_avx2(const double* b, const double* e, int64_t Kp) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  int64_t k = 0;
  for (; k + 8 <= Kp; k += 8) {
    s0 = _mm256_fmadd_pd(_mm256_loadu_pd(b + k), _mm256_loadu_pd(e + k), s0);
    s1 = _mm256_fmadd_pd(_mm256_loadu_pd(b + k + 4), _mm256_loadu_pd(e + k + 4), s1);
  }
  if (k < Kp) s0 = _mm256_fmadd_pd(_mm256_loadu_pd(b + k), _mm256_loadu_pd(e + k), s0);
  const __m256d s = _mm256_add_pd(s0, s1);
  __m128d lo = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

// acc[kb, kb + 4C) = Σ_i ratio_i B[i, kb, kb + 4C): C accumulators held in registers
// over all rows (so acc is not reloaded per row).
template <int C, class Rows>
ELBO_AVX2 void block_axpy(Rows rows, const double* ratio, int64_t n, int64_t kb, double* acc) {
  __m256d a[C];
  for (int j = 0; j < C; ++j) a[j] = _mm256_setzero_pd();
  for (int64_t i = 0; i < n; ++i) {
    const __m256d r = _mm256_broadcast_sd(ratio + i);
    const double* b = rows(i) + kb;
    for (int j = 0; j < C; ++j) a[j] = _mm256_fmadd_pd(r, _mm256_loadu_pd(b + 4 * j), a[j]);
  }
  for (int j = 0; j < C; ++j) _mm256_storeu_pd(acc + kb + 4 * j, a[j]);
}

// The dot products of four rows with e, as the lanes of one vector (e is loaded once
// for the four).
ELBO_AVX2 inline __m256d dot4_avx2(const double* b0, const double* b1, const double* b2, const double* b3,
                                   int64_t Kp, const double* e) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(),
          s3 = _mm256_setzero_pd();
  for (int64_t k = 0; k < Kp; k += 4) {
    const __m256d ek = _mm256_loadu_pd(e + k);
    s0 = _mm256_fmadd_pd(_mm256_loadu_pd(b0 + k), ek, s0);
    s1 = _mm256_fmadd_pd(_mm256_loadu_pd(b1 + k), ek, s1);
    s2 = _mm256_fmadd_pd(_mm256_loadu_pd(b2 + k), ek, s2);
    s3 = _mm256_fmadd_pd(_mm256_loadu_pd(b3 + k), ek, s3);
  }
  // The four horizontal sums at once: lanes (Σs0, Σs1, Σs2, Σs3).
  const __m256d h01 = _mm256_hadd_pd(s0, s1), h23 = _mm256_hadd_pd(s2, s3);
  return _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x20), _mm256_permute2f128_pd(h01, h23, 0x31));
}

// Rows four at a time, then one by one: the same arithmetic as accumulate_avx2's, so
// the two give bit-equal ratios.
template <class Rows>
ELBO_AVX2 void ratios_avx2(Rows rows, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                           double* ratio) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    _mm256_storeu_pd(ratio + i, _mm256_div_pd(_mm256_loadu_pd(c + i),
                                              _mm256_add_pd(dot4_avx2(rows(i), rows(i + 1), rows(i + 2),
                                                                      rows(i + 3), Kp, e),
                                                            _mm256_set1_pd(eps))));
  }
  for (; i < n; ++i) ratio[i] = c[i] / (dot_avx2(rows(i), e, Kp) + eps);
}

template <class Rows>
ELBO_AVX2 void accumulate_avx2(Rows rows, const double* c, int64_t n, int64_t Kp, const double* e,
                               double eps, double* acc, double* ratio) {
  if (Kp > 32) {
    // Many topics: one pass, each row's dot product and update while it is in L1
    // (the document's rows then exceed L1, and re-reading them per block of
    // accumulators would stream them from L2 several times per iteration). Rows go
    // four at a time: e and acc are then loaded (and acc stored) once per four rows,
    // not per row — those loads, not the FMAs, bound the one-row loop.
    for (int64_t k = 0; k < Kp; k += 4) _mm256_storeu_pd(acc + k, _mm256_setzero_pd());
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      const double* b0 = rows(i);
      const double* b1 = rows(i + 1);
      const double* b2 = rows(i + 2);
      const double* b3 = rows(i + 3);
      const __m256d r4 = _mm256_div_pd(_mm256_loadu_pd(c + i),
                                       _mm256_add_pd(dot4_avx2(b0, b1, b2, b3, Kp, e), _mm256_set1_pd(eps)));
      _mm256_storeu_pd(ratio + i, r4);
      const __m256d r0 = _mm256_broadcast_sd(ratio + i), r1 = _mm256_broadcast_sd(ratio + i + 1),
                    r2 = _mm256_broadcast_sd(ratio + i + 2), r3 = _mm256_broadcast_sd(ratio + i + 3);
      for (int64_t k = 0; k < Kp; k += 4) {
        __m256d a = _mm256_loadu_pd(acc + k);
        a = _mm256_fmadd_pd(r0, _mm256_loadu_pd(b0 + k), a);
        a = _mm256_fmadd_pd(r1, _mm256_loadu_pd(b1 + k), a);
        a = _mm256_fmadd_pd(r2, _mm256_loadu_pd(b2 + k), a);
        a = _mm256_fmadd_pd(r3, _mm256_loadu_pd(b3 + k), a);
        _mm256_storeu_pd(acc + k, a);
      }
    }
    for (; i < n; ++i) {
      const double* b = rows(i);
      ratio[i] = c[i] / (dot_avx2(b, e, Kp) + eps);
      const __m256d r = _mm256_set1_pd(ratio[i]);
      for (int64_t k = 0; k < Kp; k += 4) {
        _mm256_storeu_pd(acc + k, _mm256_fmadd_pd(r, _mm256_loadu_pd(b + k), _mm256_loadu_pd(acc + k)));
      }
    }
    return;
  }
  // Few topics: all ratios, then the update with the accumulators in registers.
  ratios_avx2(rows, c, n, Kp, e, eps, ratio);
  for (int64_t kb = 0; kb < Kp; kb += 32) {
    switch (static_cast<int>(std::min<int64_t>(32, Kp - kb) / 4)) {
      case 1: block_axpy<1>(rows, ratio, n, kb, acc); break;
      case 2: block_axpy<2>(rows, ratio, n, kb, acc); break;
      case 3: block_axpy<3>(rows, ratio, n, kb, acc); break;
      case 4: block_axpy<4>(rows, ratio, n, kb, acc); break;
      case 5: block_axpy<5>(rows, ratio, n, kb, acc); break;
      case 6: block_axpy<6>(rows, ratio, n, kb, acc); break;
      case 7: block_axpy<7>(rows, ratio, n, kb, acc); break;
      default: block_axpy<8>(rows, ratio, n, kb, acc); break;
    }
  }
}

// exp(x) for 4 lanes: x = n ln 2 + r, |r| ≤ ln2/2, exp(r) by its Taylor series to
// degree 13 (truncation < 5e-18 relative), times 2^n from the exponent bits. Lanes
// below −700 give 0 (their exact values would be subnormal or 0).
ELBO_AVX2 inline __m256d exp_avx2(__m256d x) {
  const __m256d lo = _mm256_set1_pd(-700.0);
  const __m256d tiny = _mm256_cmp_pd(x, lo, _CMP_LT_OQ);
  x = _mm256_max_pd(x, lo);
  const __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634074)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93147180369123816490e-01), x);
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.90821492927058770002e-10), r);
  static const double inv_fact[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
                                      1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
                                      1.0 / 479001600, 1.0 / 6227020800.0};
  __m256d p = _mm256_set1_pd(inv_fact[13]);
  for (int j = 12; j >= 0; --j) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(inv_fact[j]));
  const __m128i ni = _mm256_cvtpd_epi32(n);
  const __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(ni), _mm256_set1_epi64x(1023)), 52);
  return _mm256_andnot_pd(tiny, _mm256_mul_pd(p, _mm256_castsi256_pd(bits)));
}

// log(x) for positive normal x: x = 2^e m, m ∈ [√½, √2), log m = 2 atanh(f) with
// f = (m − 1)/(m + 1), |f| ≤ 0.172, by its series to f^21 (truncation < 1e-18).
ELBO_AVX2 inline __m256d log_avx2(__m256d x) {
  const __m256i bits = _mm256_castpd_si256(x);
  const __m256i mantissa_mask = _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL);
  const __m256i one_bits = _mm256_set1_epi64x(0x3FF0000000000000LL);
  __m256d m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mantissa_mask), one_bits));
  // exponent as a double: (bits >> 52) | 2^52 as a double, minus 2^52, minus 1023
  const __m256i ebits = _mm256_or_si256(_mm256_srli_epi64(bits, 52), _mm256_castpd_si256(_mm256_set1_pd(4503599627370496.0)));
  __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(ebits), _mm256_set1_pd(4503599627370496.0 + 1023.0));
  const __m256d big = _mm256_cmp_pd(m, _mm256_set1_pd(1.41421356237309504880), _CMP_GT_OQ);
  m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), big);
  e = _mm256_add_pd(e, _mm256_and_pd(big, _mm256_set1_pd(1.0)));
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d f = _mm256_div_pd(_mm256_sub_pd(m, one), _mm256_add_pd(m, one));
  const __m256d f2 = _mm256_mul_pd(f, f);
  __m256d p = _mm256_set1_pd(1.0 / 21);
  for (int j = 19; j >= 1; j -= 2) p = _mm256_fmadd_pd(p, f2, _mm256_set1_pd(1.0 / j));
  const __m256d log_m = _mm256_mul_pd(_mm256_add_pd(f, f), p);
  return _mm256_fmadd_pd(e, _mm256_set1_pd(0.69314718055994530942), log_m);
}

// ψ(x) for 4 lanes, as lda_digamma: ten masked recurrence steps (x > 0 reaches 10).
ELBO_AVX2 inline __m256d digamma_avx2(__m256d x) {
  __m256d num = _mm256_setzero_pd(), den = _mm256_set1_pd(1.0);
  const __m256d ten = _mm256_set1_pd(10.0), one = _mm256_set1_pd(1.0);
  for (int s = 0; s < 10; ++s) {
    const __m256d small = _mm256_cmp_pd(x, ten, _CMP_LT_OQ);
    num = _mm256_blendv_pd(num, _mm256_fmadd_pd(num, x, den), small);
    den = _mm256_blendv_pd(den, _mm256_mul_pd(den, x), small);
    x = _mm256_blendv_pd(x, _mm256_add_pd(x, one), small);
  }
  const __m256d r = _mm256_div_pd(one, x), r2 = _mm256_mul_pd(r, r);
  __m256d series = _mm256_fnmadd_pd(r2, _mm256_set1_pd(1.0 / 132), _mm256_set1_pd(1.0 / 240));
  series = _mm256_fnmadd_pd(r2, series, _mm256_set1_pd(1.0 / 252));
  series = _mm256_fnmadd_pd(r2, series, _mm256_set1_pd(1.0 / 120));
  series = _mm256_fnmadd_pd(r2, series, _mm256_set1_pd(1.0 / 12));
  __m256d out = _mm256_fnmadd_pd(_mm256_set1_pd(0.5), r, log_avx2(x));
  out = _mm256_sub_pd(out, _mm256_div_pd(num, den));
  return _mm256_fnmadd_pd(r2, series, out);
}

ELBO_AVX2 void exp_dirichlet_avx2(const double* g, int64_t K, int64_t Kp, double* e) {
  double sum = 0.0;
  for (int64_t k = 0; k < K; ++k) sum += g[k];
  const __m256d psi_sum = _mm256_set1_pd(lda_digamma(sum));
  int64_t k = 0;
  for (; k + 4 <= K; k += 4) {
    _mm256_storeu_pd(e + k, exp_avx2(_mm256_sub_pd(digamma_avx2(_mm256_loadu_pd(g + k)), psi_sum)));
  }
  if (k < K) {
    alignas(32) double tail[4] = {1.0, 1.0, 1.0, 1.0};
    for (int64_t j = k; j < K; ++j) tail[j - k] = g[j];
    _mm256_store_pd(tail, exp_avx2(_mm256_sub_pd(digamma_avx2(_mm256_load_pd(tail)), psi_sum)));
    for (int64_t j = k; j < K; ++j) e[j] = tail[j - k];
  }
  for (int64_t j = K; j < Kp; ++j) e[j] = 0.0;
}

ELBO_AVX2 void exp_digamma_shifted_avx2(const double* x, const double* shift, int64_t K, int64_t Kp, double* out) {
  int64_t k = 0;
  for (; k + 4 <= K; k += 4) {
    _mm256_storeu_pd(out + k, exp_avx2(_mm256_sub_pd(digamma_avx2(_mm256_loadu_pd(x + k)), _mm256_loadu_pd(shift + k))));
  }
  if (k < K) {
    alignas(32) double tx[4] = {1.0, 1.0, 1.0, 1.0}, ts[4] = {0.0, 0.0, 0.0, 0.0};
    for (int64_t j = k; j < K; ++j) {
      tx[j - k] = x[j];
      ts[j - k] = shift[j];
    }
    _mm256_store_pd(tx, exp_avx2(_mm256_sub_pd(digamma_avx2(_mm256_load_pd(tx)), _mm256_load_pd(ts))));
    for (int64_t j = k; j < K; ++j) out[j] = tx[j - k];
  }
  for (int64_t j = K; j < Kp; ++j) out[j] = 0.0;
}

#endif

}  // namespace

void lda_accumulate(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                    double* acc, double* ratio) {
  const PackedRows rows{B, Kp};
#ifdef ELBO_LDA_AVX2
  if (cpu_has_avx2_fma()) return accumulate_avx2(rows, c, n, Kp, e, eps, acc, ratio);
#endif
  accumulate_plain(rows, c, n, Kp, e, eps, acc, ratio);
}

void lda_ratios(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                double* ratio) {
  const PackedRows rows{B, Kp};
#ifdef ELBO_LDA_AVX2
  if (cpu_has_avx2_fma()) return ratios_avx2(rows, c, n, Kp, e, eps, ratio);
#endif
  ratios_plain(rows, c, n, Kp, e, eps, ratio);
}

void lda_accumulate_rows(const double* const* rows, const double* c, int64_t n, int64_t Kp, const double* e,
                         double eps, double* acc, double* ratio) {
#ifdef ELBO_LDA_AVX2
  if (cpu_has_avx2_fma()) return accumulate_avx2(RowPointers{rows}, c, n, Kp, e, eps, acc, ratio);
#endif
  accumulate_plain(RowPointers{rows}, c, n, Kp, e, eps, acc, ratio);
}

void lda_ratios_rows(const double* const* rows, const double* c, int64_t n, int64_t Kp, const double* e,
                     double eps, double* ratio) {
#ifdef ELBO_LDA_AVX2
  if (cpu_has_avx2_fma()) return ratios_avx2(RowPointers{rows}, c, n, Kp, e, eps, ratio);
#endif
  ratios_plain(RowPointers{rows}, c, n, Kp, e, eps, ratio);
}

void lda_exp_digamma_shifted(const double* x, const double* shift, int64_t K, int64_t Kp, double* out) {
#ifdef ELBO_LDA_AVX2
  if (cpu_has_avx2_fma()) return exp_digamma_shifted_avx2(x, shift, K, Kp, out);
#endif
  for (int64_t k = 0; k < K; ++k) out[k] = std::exp(lda_digamma(x[k]) - shift[k]);
  for (int64_t k = K; k < Kp; ++k) out[k] = 0.0;
}

void lda_exp_dirichlet(const double* g, int64_t K, int64_t Kp, double* e) {
#ifdef ELBO_LDA_AVX2
  if (cpu_has_avx2_fma()) return exp_dirichlet_avx2(g, K, Kp, e);
#endif
  exp_dirichlet_plain(g, K, Kp, e);
}

}  // namespace elbo::conjugate
