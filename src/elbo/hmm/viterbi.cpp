#include "elbo/hmm/viterbi.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "elbo/core/error.hpp"

namespace elbo::hmm {

ViterbiPath viterbi(const double* log_initial, const double* log_transition, const double* log_emission,
                    int64_t length, int64_t num_states) {
  const int64_t K = num_states;
  ViterbiPath path;
  if (length <= 0) return path;
  constexpr double kImpossible = -std::numeric_limits<double>::infinity();
  std::vector<int32_t> back(static_cast<size_t>(length * K));
  std::vector<double> delta(static_cast<size_t>(K)), next(static_cast<size_t>(K));
  double offset = 0.0;
  for (int64_t t = 0; t < length; ++t) {
    const double* e = log_emission + t * K;
    if (t == 0) {
      for (int64_t k = 0; k < K; ++k) next[k] = log_initial[k] + e[k];
    } else {
      int32_t* psi = back.data() + t * K;
      for (int64_t j = 0; j < K; ++j) {
        double best = kImpossible;
        int32_t arg = 0;
        for (int64_t i = 0; i < K; ++i) {
          const double v = delta[i] + log_transition[i * K + j];
          if (v > best) {
            best = v;
            arg = static_cast<int32_t>(i);
          }
        }
        next[j] = best + e[j];
        psi[j] = arg;
      }
    }
    double mx = kImpossible;
    for (int64_t k = 0; k < K; ++k) mx = std::max(mx, next[k]);
    if (!std::isfinite(mx)) {
      throw NumericalError("hmm viterbi: no state path reaches step " + std::to_string(t) +
                           " with finite probability");
    }
    for (int64_t k = 0; k < K; ++k) delta[k] = next[k] - mx;
    offset += mx;
  }
  path.states.resize(static_cast<size_t>(length));
  int32_t state = 0;
  for (int64_t k = 1; k < K; ++k)
    if (delta[k] > delta[state]) state = static_cast<int32_t>(k);
  path.log_score = offset + delta[state];
  for (int64_t t = length - 1; t >= 0; --t) {
    path.states[static_cast<size_t>(t)] = state;
    if (t > 0) state = back[static_cast<size_t>(t * K + state)];
  }
  return path;
}

}  // namespace elbo::hmm
