#pragma once
// Forward–backward on one chain (Rabiner 1989 §III.A, with the scaled recursions
// of his §V.A), the local step of structured mean-field VI for an HMM (Beal 2003
// ch. 3; Foti, Xu, Laird & Fox 2014): q(z_{1:T}) ∝ w_0(z_1) ∏_t A(z_{t−1}, z_t)
// ∏_t exp(ℓ_t(z_t)), where w_0 = exp(E log π), A = exp(E log A) and ℓ_t(k) =
// E log p(x_t | z_t = k) need not be normalised.
//
// Scaling: each step's emission weights are exp(ℓ_t − m_t) with m_t = max_k ℓ_t(k),
// the filtered distribution α̂_t is normalised by c_t, and
//   log Z = Σ_t (log c_t + m_t),
// so nothing underflows however long the chain (10⁶ steps and more). When the
// predicted state is improbable exactly where the emission is likely (c_t would be
// denormal), that step is redone with m_t = max_k (ℓ_t(k) + log pred_t(k)).
//
// The backward messages are rescaled to max 1 on their own (with c_t, as Rabiner's,
// they overflow where α̂_t underflows) and each step's pairwise marginal is
// normalised exactly: ξ_t(i, j) = α̂_{t−1}(i) A_ij v_j / Z_t with v = b_t ∘ β̃_t. The
// ξ_t are accumulated, not stored (Σ_t ξ_t = A ∘ Σ_t α̂_{t−1} v_tᵀ / Z_t, one outer
// product a step). Memory: the T×K emission buffer (overwritten) and the T×K output.
#include <Eigen/Core>

#include <cstdint>
#include <functional>

namespace elbo::hmm {

/// Row-major T×K matrices: one time step per row.
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct ChainWeights {
  /// w_0(k) ≥ 0: weight of the first state (exp E log π, or a distribution).
  const double* initial = nullptr;
  /// A_ij ≥ 0, row-major K×K: weight of i → j (exp E log A).
  const double* transition = nullptr;
  int64_t num_states = 0;
};

struct ForwardBackwardOutput {
  /// T×K marginals q(z_t = k), row-major; must not alias the emission buffer.
  double* marginals = nullptr;
  /// If set: += Σ_{t ∈ [pair_begin, pair_end)} ξ_t, where ξ_t(i, j) = q(z_{t−1} = i, z_t = j)
  /// (row-major K×K); t counts from the chain's first step, pair_begin ≥ 1.
  double* pair_counts = nullptr;
  int64_t pair_begin = 1;
  int64_t pair_end = 0;
  /// If set: called with (t, ξ_t) for every t ≥ 1 (tests; K×K row-major).
  const std::function<void(int64_t, const double*)>* pairwise = nullptr;
};

/// Runs forward–backward on a chain of `length` steps whose log emission weights
/// ℓ_t(k) are the rows of `log_emission` (length×K, row-major; overwritten with the
/// scaled weights). Returns log Z = log Σ_z w_0(z_1) ∏ A ∏ exp(ℓ_t(z_t)).
double forward_backward(const ChainWeights& weights, double* log_emission, int64_t length,
                        const ForwardBackwardOutput& out);

}  // namespace elbo::hmm
