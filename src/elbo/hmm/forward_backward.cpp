#include "elbo/hmm/forward_backward.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "elbo/core/error.hpp"

namespace elbo::hmm {

namespace {
// Below this a step's normaliser is recomputed with the predicted state in the shift
// (a denormal c_t would lose digits; zero would divide by zero).
constexpr double kSmallestScale = 1e-200;
}  // namespace

double forward_backward(const ChainWeights& weights, double* log_emission, int64_t length,
                        const ForwardBackwardOutput& out) {
  const int64_t K = weights.num_states;
  if (length <= 0) return 0.0;
  const double* A = weights.transition;
  std::vector<double> predicted(static_cast<size_t>(K)), weight(static_cast<size_t>(K)), beta(static_cast<size_t>(K)),
      u(static_cast<size_t>(K)), pairs(static_cast<size_t>(K * K), 0.0), xi;
  if (out.pairwise) xi.resize(static_cast<size_t>(K * K));
  // log Z = Σ log c_t, taken as the log of running products (one log per ~100 steps)
  double log_z = 0.0, scale_product = 1.0;
  double* alpha = out.marginals;  // α̂_t first, overwritten by γ_t on the way back

  // ---- forward: α̂_t ∝ b_t ∘ (α̂_{t−1} A), b_t = exp(ℓ_t − m_t) ----
  for (int64_t t = 0; t < length; ++t) {
    double* e = log_emission + t * K;
    double* a = alpha + t * K;
    if (t == 0) {
      std::copy(weights.initial, weights.initial + K, predicted.begin());
    } else {
      const double* prev = alpha + (t - 1) * K;
      std::fill(predicted.begin(), predicted.end(), 0.0);
      for (int64_t i = 0; i < K; ++i) {
        const double p = prev[i];
        if (p == 0.0) continue;
        const double* row = A + i * K;
        for (int64_t j = 0; j < K; ++j) predicted[j] += p * row[j];
      }
    }
    double shift = -std::numeric_limits<double>::infinity();
    for (int64_t k = 0; k < K; ++k) shift = std::max(shift, e[k]);
    if (!std::isfinite(shift)) {
      throw NumericalError("hmm forward-backward: step " + std::to_string(t) +
                           " has no state with a finite log emission weight");
    }
    // b_t(k) = exp(ℓ_t(k) − shift) goes into a scratch row first: the rare redo needs ℓ_t.
    double c = 0.0;
    for (int64_t k = 0; k < K; ++k) c += predicted[k] * (weight[k] = std::exp(e[k] - shift));
    if (!(c > kSmallestScale)) {
      // The likely states are (nearly) unreachable: shift by the largest joint term.
      shift = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < K; ++k) {
        if (predicted[k] > 0) shift = std::max(shift, e[k] + std::log(predicted[k]));
      }
      if (!std::isfinite(shift)) {
        throw NumericalError("hmm forward-backward: step " + std::to_string(t) +
                             " is impossible under the current parameters (zero probability)");
      }
      c = 0.0;
      for (int64_t k = 0; k < K; ++k) c += predicted[k] * (weight[k] = std::exp(e[k] - shift));
    }
    const double inv = 1.0 / c;
    for (int64_t k = 0; k < K; ++k) {
      e[k] = weight[k];  // b_t(k), kept for the backward pass
      a[k] = predicted[k] * weight[k] * inv;
    }
    if (scale_product < 1e-150 || scale_product > 1e150 || c < 1e-150) {
      log_z += std::log(scale_product);
      scale_product = 1.0;
    }
    scale_product *= c;
    log_z += shift;
  }
  log_z += std::log(scale_product);

  // ---- backward, with β̃_t rescaled to max 1 (Rabiner's c_t scaling of β can overflow
  // where α̂_t underflows) and each step normalised exactly:
  //   v = b_t ∘ β̃_t,  r = A v,  Z_t = α̂_{t−1} · r,
  //   ξ_t(i, j) = α̂_{t−1}(i) A_ij v_j / Z_t,  γ_{t−1}(i) = α̂_{t−1}(i) r_i / Z_t,  β̃_{t−1} = r / max r.
  std::fill(beta.begin(), beta.end(), 1.0);
  for (int64_t t = length - 1; t >= 1; --t) {
    const double* b = log_emission + t * K;
    for (int64_t j = 0; j < K; ++j) u[j] = b[j] * beta[j];
    double* prev = alpha + (t - 1) * K;  // α̂_{t−1}, becomes γ_{t−1}
    double z = 0.0, largest = 0.0;
    for (int64_t i = 0; i < K; ++i) {
      const double* row = A + i * K;
      double r = 0.0;
      for (int64_t j = 0; j < K; ++j) r += row[j] * u[j];
      beta[i] = r;
      z += prev[i] * r;
      largest = std::max(largest, r);
    }
    if (!(z > 0) || !std::isfinite(z) || !(largest > 0)) {
      throw NumericalError("hmm forward-backward: the steps from " + std::to_string(t) +
                           " on have zero probability given those before (underflow)");
    }
    const double inv_z = 1.0 / z;
    if (out.pair_counts && t >= out.pair_begin && t < out.pair_end) {
      for (int64_t i = 0; i < K; ++i) {
        const double p = prev[i] * inv_z;
        double* row = pairs.data() + i * K;
        for (int64_t j = 0; j < K; ++j) row[j] += p * u[j];
      }
    }
    if (out.pairwise) {
      for (int64_t i = 0; i < K; ++i)
        for (int64_t j = 0; j < K; ++j) xi[i * K + j] = prev[i] * A[i * K + j] * u[j] * inv_z;
      (*out.pairwise)(t, xi.data());
    }
    const double inv_largest = 1.0 / largest;
    for (int64_t i = 0; i < K; ++i) {
      prev[i] *= beta[i] * inv_z;
      beta[i] *= inv_largest;
    }
  }
  if (out.pair_counts) {
    for (int64_t ij = 0; ij < K * K; ++ij) out.pair_counts[ij] += A[ij] * pairs[ij];
  }
  return log_z;
}

}  // namespace elbo::hmm
