#pragma once
// Radial flow (Rezende & Mohamed 2015, eq. 14 and Appendix A.2):
//   f(z) = z + β h(α, r)(z − z0),  r = ‖z − z0‖,  h(α, r) = 1/(α + r),
//   log|det J| = (D − 1) log(1 + βh) + log(1 + βh + βh'(r) r)
//              = (D − 1) log(1 + β/(α + r)) + log(1 + αβ/(α + r)²).
// Invertibility needs α > 0 and β ≥ −α: α = softplus(α_raw),
// β = −α + softplus(β_raw).
//
// Inverse in closed form. With γ = α + β = softplus(β_raw) ≥ 0,
// 1 + β/(α + r) = (γ + r)/(α + r), so r' = ‖z' − z0‖ = r(γ + r)/(α + r), i.e.
// r² + (γ − r') r − α r' = 0, whose one non-negative root is
// r = (−B + √(B² + 4αr'))/2 with B = γ − r' (taken in the cancellation-free form
// 2αr'/(B + √(B² + 4αr')) when B > 0); then z = z0 + (z' − z0)(α + r)/(γ + r).
// No iteration; differentiable. The forward map and log-determinant are also
// evaluated through γ, free of cancellation when β ≈ −α.
#include <ATen/core/Generator.h>

#include "elbo/family/flow_transform.hpp"

namespace elbo::family {

// z, z_out [..., D]; z0 [..., D], alpha_raw and beta_raw [...] broadcast
// against z (a layer passes z0 [D] and scalars; an amortized encoder passes
// per-data-point values).

/// f(z) and log|det J_f(z)| from the unconstrained α_raw, β_raw.
FlowOutput radial_forward(const at::Tensor& z, const at::Tensor& z0, const at::Tensor& alpha_raw,
                          const at::Tensor& beta_raw);

/// f⁻¹(z_out), closed form (see above).
at::Tensor radial_inverse(const at::Tensor& z_out, const at::Tensor& z0,
                          const at::Tensor& alpha_raw, const at::Tensor& beta_raw);

class RadialFlow : public FlowTransform {
 public:
  RadialFlow(int64_t dim, at::Generator gen);

  std::string layer_name() const override { return "radial"; }
  FlowOutput forward(const at::Tensor& z) override;
  at::Tensor inverse(const at::Tensor& z_out) override;
  /// z0 ~ N(0, I) (the flow acts on standardised draws, see FlowFamily),
  /// α_raw = 0 (α = log 2), β_raw = softplus⁻¹(α) = 0 so β = 0: the identity.
  void reset_parameters(at::Generator gen) override;
  std::shared_ptr<FlowTransform> clone_layer() const override;

  at::Tensor z0;         // [D]
  at::Tensor alpha_raw;  // []
  at::Tensor beta_raw;   // []
};

}  // namespace elbo::family
