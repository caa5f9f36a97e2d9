#pragma once
// A normalizing-flow family (Rezende & Mohamed 2015, §4): standard normal
// draws ε pushed through a stack of invertible layers f_1 … f_L and a learnable
// diagonal affine map,
//   θ = μ + σ ⊙ f_L ∘ … ∘ f_1(ε),   ε ~ N(0, I_D),   σ = exp(ω),
//   log q(θ) = log N(ε; 0, I) − Σ_l log|det J_{f_l}(z_{l−1})| − Σ_d ω_d.
// This is the same family as "a diagonal Gaussian base N(μ, σ²) followed by the
// layers" (each layer conjugated by the affine map is a layer of the same
// kind), parameterised so the layers act on standardised draws: their
// hyperplanes, centres and conditioner inputs stay O(1) wherever the
// posterior sits and however it is scaled, and at initialisation the layers
// are the identity (IAF: z ↦ c·z, compensated in σ), so q starts as the
// mean-field Gaussian N(μ, init_scale² I).
//
// rsample_weighted gives θ and log q from the one forward pass (no inverse),
// and prefers_weighted_draws() is true so the ELBO uses it. log_prob(θ) for an
// arbitrary θ inverts the layers (planar: a scalar root-find per layer) and
// then runs the forward pass from the recovered ε for the log-determinants.
// There is no analytic entropy. mean() and covariance() are Monte-Carlo
// estimates from moment_draws draws with a fixed seed (the same draws for the
// same λ; cached until λ changes); their standard error is about
// sd/√moment_draws.
#include <cstdint>
#include <string>
#include <vector>

#include "elbo/family/family.hpp"
#include "elbo/family/flow_transform.hpp"

namespace elbo::family {

/// `count` consecutive layers of one kind: "planar", "radial", "realnvp", "iaf".
struct FlowLayerSpec {
  std::string kind;
  int64_t count = 1;
};

struct FlowFamilyOptions {
  FlowFamilyOptions& layers(std::vector<FlowLayerSpec> l) { layers_ = std::move(l); return *this; }
  /// Hidden units of each of the two hidden layers of the RealNVP and IAF
  /// conditioners; 0 → max(32, 2D).
  FlowFamilyOptions& hidden(int64_t h) { hidden_ = h; return *this; }
  /// Initial σ (q starts as N(μ, init_scale² I)).
  FlowFamilyOptions& init_scale(double s) { init_scale_ = s; return *this; }
  /// IAF gate bias (σ = sigmoid(s + gate_bias)).
  FlowFamilyOptions& gate_bias(double b) { gate_bias_ = b; return *this; }
  /// Draws for the Monte-Carlo mean() and covariance().
  FlowFamilyOptions& moment_draws(int64_t n) { moment_draws_ = n; return *this; }

  const std::vector<FlowLayerSpec>& layers() const { return layers_; }
  int64_t hidden() const { return hidden_; }
  double init_scale() const { return init_scale_; }
  double gate_bias() const { return gate_bias_; }
  int64_t moment_draws() const { return moment_draws_; }

 private:
  std::vector<FlowLayerSpec> layers_;
  int64_t hidden_ = 0;
  double init_scale_ = 1.0;
  double gate_bias_ = 2.0;
  int64_t moment_draws_ = 20000;
};

class FlowFamily : public Family {
 public:
  /// Builds the stack; `seed` draws the layers' random initial parameters
  /// (hyperplanes, centres, conditioner weights). Throws ConfigError on bad
  /// options.
  FlowFamily(int64_t dim, FlowFamilyOptions options, uint64_t seed = 0);

  /// The canonical spec, e.g. "flow:iaf*2+planar*4".
  std::string family_name() const override;
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  WeightedDraws rsample_weighted(int64_t num_draws, at::Generator gen) override;
  bool prefers_weighted_draws() const override { return true; }
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor mean() override;
  at::Tensor covariance() override;
  /// μ = location, σ = init_scale (compensated for IAF layers), and every
  /// layer reset to its initial (identity) parameters.
  void initialize(const at::Tensor& location) override;
  /// μ = mean, σ_d = A_dd^(−1/2) with A the precision (the mean-field member
  /// nearest N(mean, A⁻¹), e.g. a Laplace start), identity layers.
  void initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) override;
  bool takes_gaussian_start() const override { return true; }
  bool full_whitening() const override { return true; }
  /// 0.01 with RealNVP layers, whose unbounded coupling networks diverge at
  /// 0.03 from a default start (eight schools, 3 of 3 seeds); else the default.
  double default_step_size() const override;
  std::shared_ptr<Family> clone_family() const override;

  const FlowFamilyOptions& options() const { return options_; }
  const std::vector<FlowTransformPtr>& layers() const { return layers_; }

  /// Standardised draws through the stack: ε [K, D] → (z_L, Σ log|det J|).
  FlowOutput push_forward(const at::Tensor& eps);

  at::Tensor loc;        // μ [D]
  at::Tensor log_scale;  // ω [D]

 private:
  void reset_affine();
  void compute_moments();

  FlowFamilyOptions options_;
  uint64_t seed_;
  std::vector<FlowTransformPtr> layers_;
  at::Tensor moment_mean_, moment_cov_;
  std::vector<std::pair<const void*, int64_t>> moment_key_;
};

/// Parses "flow:<layer>[*N][+<layer>[*N]...]" (layer planar | radial | realnvp
/// | iaf; '×' may stand for '*'; N ≥ 1, default 1). Throws ConfigError naming
/// --family and the valid forms.
FlowFamilyOptions parse_flow_spec(const std::string& spec);

/// make_family's entry for "flow:..." specs.
FamilyPtr make_flow_family(const std::string& spec, int64_t dim, uint64_t seed = 0);

}  // namespace elbo::family
