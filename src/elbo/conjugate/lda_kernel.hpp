#pragma once
// The inner loop of LDA's document E-step (online_lda.hpp), the hot spot of
// elbo.sklearn's LatentDirichletAllocation: for a document's rows B of exp E[log β]
// (n × Kp, row-major, gathered per document, topics padded with zeros to Kp, a
// multiple of 4), its counts c and e = exp E[log θ] (zero-padded),
//   acc = Σ_i c_i / (B_i·e + ε) · B_i        (lda_accumulate)
//   ratio_i = c_i / (B_i·e + ε)               (lda_ratios)
// Both use AVX2/FMA when the CPU has them (checked once at run time; the build
// targets baseline x86-64), else plain loops.
#include <cstdint>

namespace elbo::conjugate {

/// Topics padded up to a multiple of 4 (the SIMD width).
inline int64_t lda_padded_topics(int64_t K) { return (K + 3) / 4 * 4; }

void lda_accumulate(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                    double* acc);
void lda_ratios(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                double* ratio);

}  // namespace elbo::conjugate
