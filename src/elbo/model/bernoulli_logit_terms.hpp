#pragma once
// The Bernoulli-logit log likelihood and its score, fused in one vectorised
// pass over K rows of S linear predictors η (row-major, contiguous):
//
//   ℓ_k = Σ_s [ y_s η_ks − softplus(η_ks) ],   r_ks = ∂ℓ_k/∂η_ks = y_s − σ(η_ks),
//
// with e = e^{−|η|} computed once: softplus(η) = max(η, 0) + log1p(e) and
// σ(−η) = e/(1 + e) (η ≥ 0) or 1/(1 + e) (η < 0), r = (y − 1) + σ(−η). exp and
// log1p are fdlibm's reductions with its minimax polynomials, evaluated in vector
// registers (≤ 2 ulp), compiled for AVX-512 / AVX2 / baseline x86-64 with
// run-time dispatch. Meant for models::glm_log_likelihood's bernoulli_logit
// branch, where at::softplus + sigmoid take ~6x longer on [100, 569].
#include <cstdint>

namespace elbo::model {

/// ℓ [K] into `ll`; when `score`, η is overwritten by r = y − σ(η) [K, S].
void bernoulli_logit_terms(double* eta, const double* y, int64_t K, int64_t S, double* ll,
                           bool score);

}  // namespace elbo::model
