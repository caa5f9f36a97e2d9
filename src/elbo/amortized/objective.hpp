#pragma once
// Training objectives for amortized VI, per data point, averaged over a minibatch:
//   ELBO  L = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))          (Kingma & Welling 2014)
//         with the KL in closed form where it exists, else −E_q[log q − log p(z)]
//         estimated with the same K draws;
//   IWAE  L_K = E[log (1/K) Σ_k w_k],  w_k = p(x, z_k)/q(z_k|x)   (Burda et al. 2016, eq. 8),
//         computed as logsumexp − log K; L_1 = ELBO (Monte-Carlo KL) on the same draws;
//   flow-posterior ELBO: the ELBO with log q from the flow's change of variables
//         (Rezende & Mohamed 2015, eq. 15) — the Monte-Carlo path above.
// Remedies for inactive units:
//   KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): recon − β·KL, β from 0 to 1;
//     for IWAE, log w_β = log p(x|z) + β (log p(z) − log q(z|x));
//   free bits (Kingma et al. 2016, eq. 15): Σ_j max(λ, E_minibatch[KL_j]) over latent
//     dimensions j (closed-form per-dimension KL); when only the total KL exists (full
//     covariance, flows, learned prior, two layers) the whole KL is one group with floor λ·D.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <string>

#include "elbo/amortized/vae.hpp"

namespace elbo::amortized {

enum class Bound { Elbo, Iwae };

struct ObjectiveOptions {
  TORCH_ARG(Bound, bound) = Bound::Elbo;
  TORCH_ARG(int64_t, samples) = 1;          // K
  TORCH_ARG(bool, analytic_kl) = true;      // use the closed-form KL when it exists
  TORCH_ARG(double, beta) = 1.0;            // KL weight (warm-up)
  TORCH_ARG(double, free_bits) = 0.0;       // λ in nats per latent dimension
};

/// "elbo", "elbo:K", "iwae:K" → bound and K; throws ConfigError otherwise.
ObjectiveOptions parse_objective(const std::string& spec);
std::string objective_name(const ObjectiveOptions& o);

/// log (1/K) Σ_k exp(a_k) over dimension 0 (stable).
at::Tensor log_mean_exp(const at::Tensor& a);

struct ObjectiveValue {
  at::Tensor loss;      // scalar to minimise: −(surrogate averaged over the minibatch)
  double bound = 0;     // the bound itself (β = 1, no free bits), averaged per point
  double kl = 0;        // mean KL (closed form, or its Monte-Carlo estimate)
  double recon = 0;     // mean E_q[log p(x|z)]
};

/// Evaluates the objective on minibatch x [N, P] with K draws per point.
ObjectiveValue evaluate_objective(Vae& vae, const at::Tensor& x, const ObjectiveOptions& options,
                                  at::Generator gen);

/// The ELBO of each point from given log weights (closed-form KL when `analytic` and
/// available), [N]; and the IWAE bound of each point, [N].
at::Tensor elbo_per_point(const LogWeights& w, bool analytic);
at::Tensor iwae_per_point(const LogWeights& w);

}  // namespace elbo::amortized
