#pragma once
// Run-time CPU feature checks for the hand-vectorised kernels, which are compiled
// with target("avx2,fma") and must fall back to scalar code on older CPUs.

namespace elbo {

#if defined(__x86_64__) && defined(__GNUC__)
/// True when this CPU runs AVX2 and FMA instructions (checked once).
inline bool cpu_has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#else
inline bool cpu_has_avx2_fma() { return false; }
#endif

}  // namespace elbo
