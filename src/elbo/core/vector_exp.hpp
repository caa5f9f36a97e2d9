#pragma once
// e^t for t ≤ 0 on eight doubles at once, for the hand-vectorised kernels
// (infer/stein_kernel, model/bernoulli_logit_terms). GCC vector extensions, so each
// caller's target_clones (AVX-512, AVX2, baseline) compiles it for its own ISA:
// it is always inlined into the caller.
//
// As fdlibm's exp: t = k ln 2 + s with |s| ≤ ln 2 / 2 (Cody–Waite split of ln 2,
// k rounded by the 1.5·2⁵² trick), e^s by its Taylor series to degree 13
// (truncation < 1e-17), times 2^k built in the exponent bits; 0 below t = −708
// (where e^t < 2.3e-308). Error ≤ 1 ulp plus the polynomial's rounding.
// exp_nonpositive_ways evaluates W vectors in lockstep for kernels that are
// bound by the polynomial's latency rather than by throughput.
#include <cstdint>

namespace elbo::simd {

constexpr int64_t kLanes = 8;  // doubles per vector
typedef double Vec8 __attribute__((vector_size(kLanes * sizeof(double))));
typedef int64_t Vec8i __attribute__((vector_size(kLanes * sizeof(int64_t))));

/// e^t for W independent vectors in lockstep: each step is written as a loop
/// over the W vectors, so their long dependency chains interleave instruction
/// by instruction instead of waiting on one another (out may alias t).
template <int W>
__attribute__((always_inline)) inline void exp_nonpositive_ways(const Vec8* t, Vec8* out) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShifter = 6755399441055744.0;  // 1.5 · 2^52
  const Vec8 shifter = Vec8{} + kShifter;
  Vec8 kd[W], s[W], p[W];
  Vec8i ki[W], keep[W];
  for (int w = 0; w < W; ++w) kd[w] = t[w] * kLog2e + shifter;
  for (int w = 0; w < W; ++w) ki[w] = (Vec8i)kd[w] - (Vec8i)shifter;  // round(t / ln 2)
  for (int w = 0; w < W; ++w) kd[w] -= shifter;
  for (int w = 0; w < W; ++w) s[w] = (t[w] - kd[w] * kLn2Hi) - kd[w] * kLn2Lo;
  for (int w = 0; w < W; ++w) keep[w] = t[w] >= -708.0;  // all ones where e^t is normal
  for (int w = 0; w < W; ++w) p[w] = s[w] * (1.0 / 6227020800.0) + 1.0 / 479001600.0;  // 1/13!, 1/12!
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 39916800.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 3628800.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 362880.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 40320.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 5040.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 720.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 120.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 24.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0 / 6.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 0.5;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0;
  for (int w = 0; w < W; ++w) p[w] = p[w] * s[w] + 1.0;
  for (int w = 0; w < W; ++w) out[w] = (Vec8)((Vec8i)(p[w] * (Vec8)((ki[w] + 1023) << 52)) & keep[w]);
}

__attribute__((always_inline)) inline Vec8 exp_nonpositive(Vec8 t) {
  Vec8 out;
  exp_nonpositive_ways<1>(&t, &out);
  return out;
}

}  // namespace elbo::simd
