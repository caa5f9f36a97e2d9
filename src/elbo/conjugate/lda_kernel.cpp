#include "elbo/conjugate/lda_kernel.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ELBO_LDA_AVX2 1
#endif

namespace elbo::conjugate {

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

void accumulate_plain(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                      double* acc) {
  for (int64_t k = 0; k < Kp; ++k) acc[k] = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double* b = B + i * Kp;
    const double r = c[i] / (dot_plain(b, e, Kp) + eps);
    for (int64_t k = 0; k < Kp; ++k) acc[k] += r * b[k];
  }
}

void ratios_plain(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                  double* ratio) {
  for (int64_t i = 0; i < n; ++i) ratio[i] = c[i] / (dot_plain(B + i * Kp, e, Kp) + eps);
}

#ifdef ELBO_LDA_AVX2
__attribute__((target("avx2,fma"))) inline double dot_avx2(const double* b, const double* e, int64_t Kp) {
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

__attribute__((target("avx2,fma"))) void accumulate_avx2(const double* B, const double* c, int64_t n,
                                                          int64_t Kp, const double* e, double eps,
                                                          double* acc) {
  for (int64_t k = 0; k < Kp; k += 4) _mm256_storeu_pd(acc + k, _mm256_setzero_pd());
  for (int64_t i = 0; i < n; ++i) {
    const double* b = B + i * Kp;
    const __m256d r = _mm256_set1_pd(c[i] / (dot_avx2(b, e, Kp) + eps));
    for (int64_t k = 0; k < Kp; k += 4) {
      _mm256_storeu_pd(acc + k, _mm256_fmadd_pd(r, _mm256_loadu_pd(b + k), _mm256_loadu_pd(acc + k)));
    }
  }
}

__attribute__((target("avx2,fma"))) void ratios_avx2(const double* B, const double* c, int64_t n, int64_t Kp,
                                                      const double* e, double eps, double* ratio) {
  for (int64_t i = 0; i < n; ++i) ratio[i] = c[i] / (dot_avx2(B + i * Kp, e, Kp) + eps);
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

}  // namespace

void lda_accumulate(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                    double* acc) {
#ifdef ELBO_LDA_AVX2
  if (have_avx2()) return accumulate_avx2(B, c, n, Kp, e, eps, acc);
#endif
  accumulate_plain(B, c, n, Kp, e, eps, acc);
}

void lda_ratios(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                double* ratio) {
#ifdef ELBO_LDA_AVX2
  if (have_avx2()) return ratios_avx2(B, c, n, Kp, e, eps, ratio);
#endif
  ratios_plain(B, c, n, Kp, e, eps, ratio);
}

}  // namespace elbo::conjugate
