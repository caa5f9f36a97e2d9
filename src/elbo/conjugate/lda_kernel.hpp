#pragma once
// The inner loops of LDA's document E-step (online_lda.hpp), the hot spot of
// elbo.sklearn's LatentDirichletAllocation: for a document's rows B of exp E[log β]
// (n × Kp, row-major — or, as the E-step passes them, pointers to the rows of the
// word-major table —, topics padded with zeros to Kp, a multiple of 4), its counts
// c and e = exp E[log θ] (zero-padded),
//   ratio_i = c_i / (B_i·e + ε)                          (lda_ratios)
//   acc = Σ_i ratio_i B_i, and the ratios                (lda_accumulate)
//   e_k = exp(ψ(γ_k) − ψ(Σ_j γ_j)), padding set to 0     (lda_exp_dirichlet)
//   and a row of exp E[log β] for the M-step's table      (lda_exp_digamma_shifted)
// They use AVX2/FMA when the CPU has them (checked once at run time; the build
// targets baseline x86-64, so the SIMD code is compiled per function), else plain
// loops. ψ is evaluated as fast_digamma (special.hpp: recurrence up to x ≥ 10, then
// the asymptotic series to x^−10; error < 1e-13; scikit-learn's E-step stops the
// recurrence at 6, error ~1e-11), with the recurrence's reciprocals summed as one
// fraction (one division instead of one per step); exp and log in the SIMD path
// are polynomial (relative error ~1e-16), exp flushed to 0 below e^−700 (no
// subnormals, whose arithmetic is ~100× slower).
#include <cstdint>

namespace elbo::conjugate {

/// Topics padded up to a multiple of 4 (the SIMD width).
inline int64_t lda_padded_topics(int64_t K) { return (K + 3) / 4 * 4; }

/// ψ(x), x > 0 (scalar, as above).
double lda_digamma(double x);

/// acc (Kp) = Σ_i ratio_i B_i with ratio (n) = c_i / (B_i·e + ε), both written.
void lda_accumulate(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                    double* acc, double* ratio);
void lda_ratios(const double* B, const double* c, int64_t n, int64_t Kp, const double* e, double eps,
                double* ratio);
/// The same with row i at rows[i] (pointers into the word-major table: no copy of
/// the document's rows); bit-equal to the packed versions on the same rows.
void lda_accumulate_rows(const double* const* rows, const double* c, int64_t n, int64_t Kp, const double* e,
                         double eps, double* acc, double* ratio);
void lda_ratios_rows(const double* const* rows, const double* c, int64_t n, int64_t Kp, const double* e,
                     double eps, double* ratio);
/// out (Kp) = exp(ψ(x_k) − shift_k) for k < K, zero beyond (a row of exp E[log β]).
void lda_exp_digamma_shifted(const double* x, const double* shift, int64_t K, int64_t Kp, double* out);
/// e (Kp) = exp E[log θ] for θ ~ Dir(g_0..g_{K−1}), zero beyond K.
void lda_exp_dirichlet(const double* g, int64_t K, int64_t Kp, double* e);

}  // namespace elbo::conjugate
