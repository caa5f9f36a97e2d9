#pragma once
// One document's LDA E-step (online_lda.hpp: γ_k = α + e_k Σ_w n_w b_kw / φnorm_w,
// e = exp E[log θ](γ), until mean |Δγ| < tol), with the topics the document has
// dropped taken out of the inner loops.
//
// Why: with a sparse prior (α ≪ 1) a document keeps a handful of its K topics;
// the others fall to γ_k = α exactly (floating point: e_k ≈ e^{ψ(α)} is ~1e-44
// at α = 0.01, far below half an ulp of α). From then on the iterations run on
// the active topics' columns only, packed into a small n × A block that stays in
// L1 — the same arithmetic on fewer columns (at K = 100 on the AP corpus a
// document keeps ~17 topics).
//
// Exactness: a step on the active topics alone is taken only when what it leaves
// out is provably below rounding — for every word i, the dropped topics'
// share of φnorm_i, at most n_in · e_in · max_k b_ik, is below 2⁻⁵³ of φnorm_i; and
// every dropped γ_k = α + e_in · Σ_i ratio_i b_ik, at most α + e_in Σ_i ratio_i
// max_k b_ik, stays within half an ulp of α — else the step is the full one. So
// the result is the full E-step's up to the order of summation in the dot
// products (a few ulps). With α above ~0.03 (e^{ψ(α)} no longer far below an ulp
// of α, e.g. scikit-learn's default α = 1/K for K < ~40) no topic ever reaches α
// exactly and every step is the full one.
#include <cstdint>
#include <vector>

#include "elbo/conjugate/online_lda.hpp"

namespace elbo::conjugate {

/// Buffers reused across one thread's documents.
struct LdaDocumentScratch {
  LdaDocumentScratch(int64_t K, int64_t max_len);
  std::vector<double> et, acc, last, ratio, row_max;
  std::vector<const double*> rows;
  // The active topics: their ids, γ, ψ(Σγ) per topic, e, accumulators, and their
  // columns of the document's rows (n × Ap, row-major, zero-padded).
  std::vector<int64_t> active;
  std::vector<double> g_act, psi_sum, e_act, acc_act, packed;
  // After lda_document_e_step: whether it ended on the active topics (then
  // `active` lists them, every other topic has γ_k = α and e_k = e_dropped).
  bool ended_packed = false;
  double e_dropped = 0.0;
};

/// The E-step of one document: its n words' rows of the padded word-major table
/// exp E[log β] (s.rows[0..n)), their maxima over topics (s.row_max[0..n)) and
/// counts; γ (K) from its starting value, in place. On return s.et holds
/// e = exp E[log θ](γ), padded with zeros to lda_padded_topics(K).
void lda_document_e_step(const double* counts, int64_t n, int64_t K, const OnlineLdaOptions& options,
                         double eps, double* gamma, LdaDocumentScratch& s);

}  // namespace elbo::conjugate
