#pragma once
// A variational family q(θ; λ) over unconstrained θ ∈ R^D. It owns its
// parameters λ as a torch::nn::Module, so parameters(), state serialisation
// (checkpoints) and optimizers come from LibTorch.
//
// Every estimator uses the same three pieces: rsample (reparameterised draws),
// log_prob (which gives the score ∇λ log q when called on detached draws), and
// entropy when it is analytic.
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace elbo::family {

/// Draws for a Monte-Carlo estimate E_q[f(θ)] ≈ Σ_k weight_k f(theta_k).
struct WeightedDraws {
  at::Tensor theta;   // [K', D], reparameterised: gradients flow to λ
  at::Tensor log_q;   // [K'], log q(theta; λ), differentiable in λ
  at::Tensor weight;  // [K'], sums to one (differentiable in λ for mixtures)
};

/// The default base step of Adam on a family's parameters (Gaussians and most
/// flows; Family::default_step_size may ask for less).
constexpr double kDefaultStepSize = 0.03;

class Family : public torch::nn::Module {
 public:
  explicit Family(int64_t dim) : dim_(dim) {}
  virtual std::string family_name() const = 0;
  int64_t dim() const { return dim_; }

  /// K reparameterised draws [K, D]; gradients flow to λ.
  virtual at::Tensor rsample(int64_t num_draws, at::Generator gen) = 0;
  /// K draws [K, D] without gradient.
  virtual at::Tensor sample(int64_t num_draws, at::Generator gen);
  virtual bool has_rsample() const { return true; }

  /// K draws with log q at them and their weights. Default: rsample(K),
  /// log_prob, weights 1/K. Flows override it to get log q from the forward
  /// pass (no inverse); mixtures draw K per component (stratified) with
  /// weights π_c / K, which gives the mixture weights a gradient.
  virtual WeightedDraws rsample_weighted(int64_t num_draws, at::Generator gen);
  /// True when rsample_weighted is more than rsample + log_prob; the ELBO
  /// estimators then use it (the plain path stays the fast one for Gaussians).
  virtual bool prefers_weighted_draws() const { return false; }

  /// log q(θ; λ) for θ [K, D] → [K], differentiable in λ (and θ).
  virtual at::Tensor log_prob(const at::Tensor& theta) = 0;

  /// log q(θ; stop_grad(λ)): differentiable in θ only (the path derivative of
  /// Roeder et al. 2017). Default: log_prob of a parameter-frozen copy.
  virtual at::Tensor log_prob_stop_gradient(const at::Tensor& theta);

  /// Analytic entropy H[q] (scalar tensor, differentiable in λ).
  virtual at::Tensor entropy();
  virtual bool has_entropy() const { return false; }

  /// E_q[θ] [D] and Cov_q[θ] [D, D] (detached).
  virtual at::Tensor mean() = 0;
  virtual at::Tensor covariance() = 0;

  /// Centre q at `location` [D] (e.g. Stan's uniform(-2, 2) init or a MAP
  /// estimate), keeping the default spread.
  virtual void initialize(const at::Tensor& location) = 0;

  /// Start from a Gaussian approximation N(mean, precision⁻¹), e.g. Laplace's:
  /// the member of the family closest to it in KL(q‖N). Default: initialize(mean).
  virtual void initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision);
  /// Adam's base step that suits this family's parameters from a default start
  /// (advi's step when none is given): kDefaultStepSize unless overridden.
  virtual double default_step_size() const { return kDefaultStepSize; }
  /// Whether initialize_gaussian takes the Gaussian's spread too (not only its
  /// mean), so that a Laplace start puts q near the posterior.
  virtual bool takes_gaussian_start() const { return false; }
  /// Whether ADVI may fit this family in coordinates whitened by a full
  /// (correlated) factor L, θ = m + L u: true when the family's distributions
  /// are closed under affine maps (full-rank Gaussians and their mixtures) or
  /// flexible enough not to depend on the coordinates (flows). Families with
  /// structure — mean-field, low-rank, diagonal mixtures, the copula, the
  /// hierarchical family — are whitened by a diagonal L only, which keeps it.
  virtual bool full_whitening() const { return false; }

  /// λ in a canonical form, in the order of parameters(), so that averaging
  /// iterates averages distributions. Needed where λ ↦ q is not one-to-one:
  /// low-rank factors W and W·R give the same q for any rotation R, and
  /// averaging raw W's would shrink W Wᵀ. `reference` (the running sum, or
  /// empty) resolves sign ambiguities. Default: the parameters themselves.
  virtual std::vector<at::Tensor> canonical_parameters(const std::vector<at::Tensor>& reference = {});

  /// A deep copy (used for iterate averaging and the step-size search).
  virtual std::shared_ptr<Family> clone_family() const = 0;

  // ---- mean-field structure, per-draw scores, proposals (score-function VI) ----
  // q(θ; λ) = Π_f q_f(θ_{c_f}; λ_f) over F factors. The defaults describe q as
  // one factor holding every coordinate and every parameter, which is always
  // correct (Rao–Blackwellisation then falls back to the full log p).

  /// Number F of independent factors. Default 1.
  virtual int64_t num_factors() const { return 1; }
  /// The θ coordinates c_f of each factor: F lists partitioning 0..D−1.
  virtual std::vector<std::vector<int64_t>> factor_coordinates() const;
  /// log q_f(θ_{c_f}; λ_f) for θ [K, D] → [K, F], differentiable in λ; each row
  /// sums to log_prob(θ). Default: log_prob(θ) as one column.
  virtual at::Tensor log_prob_factors(const at::Tensor& theta);
  /// For each parameter (parameters() order), an int64 tensor of the
  /// parameter's shape naming the factor whose λ_f holds each element.
  /// Default: all zeros.
  virtual std::vector<at::Tensor> parameter_factors();
  /// The per-draw score ∇λ log q(θ_k; λ): one detached tensor [K, *shape] per
  /// parameter (parameters() order). The mean-field families override it in
  /// closed form; the default takes one autograd backward pass per draw
  /// (correct for any family, K times slower).
  virtual std::vector<at::Tensor> score(const at::Tensor& theta);
  /// A proposal r in the same family, overdispersed by τ ≥ 1 (Ruiz, Titsias &
  /// Blei 2016, "Overdispersed black-box variational inference", §3): the
  /// exponential-family density tempered by 1/τ — Gaussian σ·√τ, Bernoulli
  /// and categorical logits/τ. Detached (no parameters to train).
  /// Default: throws DomainError (the family has no such proposal).
  virtual std::shared_ptr<Family> overdispersed(double tau) const;
  /// K reparameterised draws in which discrete latents are relaxed by the
  /// Concrete / Gumbel-softmax distribution at `temperature` (Maddison et al.
  /// 2017; Jang et al. 2017); `straight_through`: hard one-hot values forward,
  /// the relaxed gradient backward. Continuous families: rsample (default).
  virtual at::Tensor rsample_relaxed(int64_t num_draws, double temperature,
                                     bool straight_through, at::Generator gen) {
    (void)temperature;
    (void)straight_through;
    return rsample(num_draws, gen);
  }

 private:
  int64_t dim_;
};

using FamilyPtr = std::shared_ptr<Family>;

}  // namespace elbo::family
