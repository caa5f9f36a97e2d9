#pragma once
// The most probable state path of one chain (Viterbi 1967; Rabiner 1989 §III.B),
// max-product in log space, so it is exact on chains of any length:
//   δ_1(k) = log w_0(k) + ℓ_1(k),
//   δ_t(j) = max_i [δ_{t−1}(i) + log A_ij] + ℓ_t(j),  ψ_t(j) = its argmax,
// then back-tracking from argmax_k δ_T(k). δ_t is shifted by its maximum each step
// (the path is unchanged; the returned log score adds the shifts back).
#include <cstdint>
#include <vector>

namespace elbo::hmm {

struct ViterbiPath {
  std::vector<int32_t> states;  // one per step
  double log_score = 0.0;       // log w_0 + Σ log A + Σ ℓ along the path
};

/// log_initial (K), log_transition (K×K row-major) and log_emission (length×K,
/// row-major) may hold −inf (impossible) but each step needs a finite entry.
/// Ties go to the lowest state index.
ViterbiPath viterbi(const double* log_initial, const double* log_transition, const double* log_emission,
                    int64_t length, int64_t num_states);

}  // namespace elbo::hmm
