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
#include <cstdint>

namespace elbo::simd {

constexpr int64_t kLanes = 8;  // doubles per vector
typedef double Vec8 __attribute__((vector_size(kLanes * sizeof(double))));
typedef int64_t Vec8i __attribute__((vector_size(kLanes * sizeof(int64_t))));

__attribute__((always_inline)) inline Vec8 exp_nonpositive(Vec8 t) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShifter = 6755399441055744.0;  // 1.5 · 2^52
  const Vec8 shifter = Vec8{} + kShifter;
  Vec8 kd = t * kLog2e + shifter;
  const Vec8i ki = (Vec8i)kd - (Vec8i)shifter;  // round(t / ln 2)
  kd -= shifter;
  const Vec8 s = (t - kd * kLn2Hi) - kd * kLn2Lo;
  Vec8 p = Vec8{} + 1.0 / 6227020800.0;  // 1/13!
  p = p * s + 1.0 / 479001600.0;
  p = p * s + 1.0 / 39916800.0;
  p = p * s + 1.0 / 3628800.0;
  p = p * s + 1.0 / 362880.0;
  p = p * s + 1.0 / 40320.0;
  p = p * s + 1.0 / 5040.0;
  p = p * s + 1.0 / 720.0;
  p = p * s + 1.0 / 120.0;
  p = p * s + 1.0 / 24.0;
  p = p * s + 1.0 / 6.0;
  p = p * s + 0.5;
  p = p * s + 1.0;
  p = p * s + 1.0;
  const Vec8i keep = t >= -708.0;  // all ones where e^t is normal
  return (Vec8)((Vec8i)(p * (Vec8)((ki + 1023) << 52)) & keep);
}

}  // namespace elbo::simd
