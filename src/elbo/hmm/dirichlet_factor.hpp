#pragma once
// The expectations and the KL divergence of a Dirichlet factor q(p) = Dir(α), used
// for the HMM's initial distribution, each row of its transition matrix and each
// state's categorical emission:
//   E log p_k = ψ(α_k) − ψ(α_0),  E p_k = α_k / α_0,
//   sd p_k = sqrt(E p_k (1 − E p_k) / (α_0 + 1)),   α_0 = Σ_k α_k,
//   KL(Dir(α) ‖ Dir(η)) = log Γ(α_0) − Σ log Γ(α_k) − log Γ(η_0) + Σ log Γ(η_k)
//                         + Σ_k (α_k − η_k)(ψ(α_k) − ψ(α_0)).
#include <cstdint>

namespace elbo::hmm {

/// out[k] = ψ(α_k) − ψ(Σα); throws NumericalError naming `what` unless every α_k > 0.
void dirichlet_expected_log(const double* alpha, int64_t n, double* out, const char* what);

/// KL(Dir(α) ‖ Dir(η)) over n entries.
double dirichlet_kl(const double* alpha, const double* prior, int64_t n);

/// out_mean[k] = E p_k, out_sd[k] = sd p_k.
void dirichlet_mean_sd(const double* alpha, int64_t n, double* out_mean, double* out_sd);

}  // namespace elbo::hmm
