#include "elbo/conjugate/lda_document_e_step.hpp"

#include <algorithm>
#include <cmath>

#include "elbo/conjugate/lda_kernel.hpp"

namespace elbo::conjugate {

LdaDocumentScratch::LdaDocumentScratch(int64_t K, int64_t max_len) {
  const auto Kp = static_cast<size_t>(lda_padded_topics(K));
  const auto n = static_cast<size_t>(std::max<int64_t>(max_len, 1));
  et.assign(Kp, 0.0);
  acc.assign(Kp, 0.0);
  last.assign(static_cast<size_t>(K), 0.0);
  ratio.assign(n, 0.0);
  row_max.assign(n, 0.0);
  rows.assign(n, nullptr);
  active.reserve(static_cast<size_t>(K));
  for (auto* v : {&g_act, &psi_sum, &e_act, &acc_act}) v->assign(Kp, 0.0);
  packed.reserve(n * Kp);
}

namespace {

// Worth packing: the active block at most half the full rows.
bool worth_packing(int64_t active, int64_t K) {
  return active > 0 && 2 * lda_padded_topics(active) <= lda_padded_topics(K);
}

}  // namespace

void lda_document_e_step(const double* counts, int64_t n, int64_t K, const OnlineLdaOptions& o, double eps,
                         double* g, LdaDocumentScratch& s) {
  const int64_t Kp = lda_padded_topics(K);
  const double alpha = o.doc_topic_prior;
  const double psi_alpha = lda_digamma(alpha);
  bool packed = false;  // s.active / s.packed / s.e_act describe the current state
  int64_t A = 0, Ap = 0;
  double e_in = 0.0;  // e_k of every dropped topic (all have γ_k = α)
  // The full e (s.et) from the packed state: the block's own, e_in elsewhere.
  auto spread_e = [&] {
    std::fill(s.et.begin(), s.et.begin() + K, e_in);
    for (int64_t j = 0; j < A; ++j) s.et[s.active[j]] = s.e_act[j];
  };
  lda_exp_dirichlet(g, K, Kp, s.et.data());
  for (int64_t it = 0; it < o.max_doc_update_iter; ++it) {
    std::copy(g, g + K, s.last.begin());
    bool stepped = false;
    if (packed) {
      lda_accumulate(s.packed.data(), counts, n, Ap, s.e_act.data(), eps, s.acc_act.data(), s.ratio.data());
      // What the dropped topics would add (header comment): below rounding, or
      // this step is redone in full.
      const double dropped_e = static_cast<double>(K - A) * e_in;
      bool negligible = true;
      double reach = 0.0;  // Σ_i ratio_i max_k b_ik ≥ every dropped topic's accumulator
      for (int64_t i = 0; i < n; ++i) {
        const double r = s.ratio[i] * s.row_max[i];
        reach += r;
        negligible &= dropped_e * r <= 0x1p-53 * counts[i];
      }
      if (negligible && e_in * reach <= 0x1p-54 * alpha) {
        for (int64_t j = 0; j < A; ++j) g[s.active[j]] = alpha + s.e_act[j] * s.acc_act[j];
        stepped = true;
      } else {
        spread_e();
        packed = false;
      }
    }
    if (!stepped) {
      lda_accumulate_rows(s.rows.data(), counts, n, Kp, s.et.data(), eps, s.acc.data(), s.ratio.data());
      for (int64_t k = 0; k < K; ++k) g[k] = alpha + s.et[k] * s.acc[k];
    }
    double change = 0.0, total = 0.0;
    int64_t kept = 0;
    for (int64_t k = 0; k < K; ++k) {
      change += std::abs(g[k] - s.last[k]);
      total += g[k];
      kept += g[k] != alpha;
    }
    if (worth_packing(kept, K)) {
      // (Re)pack when the block would shrink: a topic of the block that has just
      // dropped to α is still computed in full there (its own e), which is exact.
      if (!packed || lda_padded_topics(kept) < Ap) {
        s.active.clear();
        for (int64_t k = 0; k < K; ++k) {
          if (g[k] != alpha) s.active.push_back(k);
        }
        A = kept;
        Ap = lda_padded_topics(A);
        s.packed.resize(static_cast<size_t>(n * Ap));
        for (int64_t i = 0; i < n; ++i) {
          const double* row = s.rows[i];
          double* dst = s.packed.data() + i * Ap;
          for (int64_t j = 0; j < A; ++j) dst[j] = row[s.active[j]];
          for (int64_t j = A; j < Ap; ++j) dst[j] = 0.0;
        }
        packed = true;
      }
      const double psi_total = lda_digamma(total);
      for (int64_t j = 0; j < A; ++j) s.g_act[j] = g[s.active[j]];
      std::fill(s.psi_sum.begin(), s.psi_sum.begin() + Ap, psi_total);
      lda_exp_digamma_shifted(s.g_act.data(), s.psi_sum.data(), A, Ap, s.e_act.data());
      e_in = std::exp(psi_alpha - psi_total);
    } else {
      packed = false;
      lda_exp_dirichlet(g, K, Kp, s.et.data());
    }
    if (change / static_cast<double>(K) < o.mean_change_tol) break;
  }
  if (packed) spread_e();
  s.active.resize(static_cast<size_t>(packed ? A : 0));
  s.ended_packed = packed;
  s.e_dropped = e_in;
}

}  // namespace elbo::conjugate
