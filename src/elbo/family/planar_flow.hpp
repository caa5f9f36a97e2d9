#pragma once
// Planar flow (Rezende & Mohamed 2015, "Variational Inference with Normalizing
// Flows", eq. 10–12 and Appendix A.1):
//   f(z) = z + û h(wᵀz + b),  h = tanh,
//   log|det J| = log|1 + h'(wᵀz + b) wᵀû|.
// Invertibility needs wᵀû ≥ −1; the unconstrained u is mapped to
//   û = u + (m(wᵀu) − wᵀu) w/‖w‖²,  m(x) = −1 + softplus(x),
// so wᵀû = m(wᵀu) > −1 for every u (App. A.1), and 1 + h'·wᵀû > 0.
//
// Inverse (no closed form): with a = wᵀz, wᵀf(z) = a + wᵀû tanh(a + b), which is
// strictly increasing in a, so a is the root of the scalar equation
//   g(a) = a + wᵀû tanh(a + b) − wᵀz' = 0,   a ∈ [wᵀz' − |wᵀû|, wᵀz' + |wᵀû|],
// found by bracketed (safeguarded) Newton per draw, all draws at once; then
// z = z' − û tanh(a + b). The root is found without gradient and made
// differentiable as a ← a − (g(a) − stop_grad g(a))/g'(a): the value is the
// root, the derivative the implicit-function one, −∂g/g' (one Newton step).
#include <ATen/core/Generator.h>

#include "elbo/family/flow_transform.hpp"

namespace elbo::family {

// ---- the maths, with explicit parameters ---------------------------------------
// z, z_out [..., D]; u, w [..., D] and b [...] broadcast against z (a layer
// passes u, w [D] and b []; an amortized encoder passes per-data-point values).

/// û = u + (m(wᵀu) − wᵀu) w/‖w‖², m(x) = −1 + softplus(x).
at::Tensor planar_u_hat(const at::Tensor& u, const at::Tensor& w);

/// f(z) and log|det J_f(z)| for the unconstrained u (û is formed inside).
FlowOutput planar_forward(const at::Tensor& z, const at::Tensor& u, const at::Tensor& w,
                          const at::Tensor& b);

/// f⁻¹(z_out) by the scalar root-find above, until the Newton step is below
/// tol·(1 + |a|) (or g is at its rounding level, or the bracket has
/// collapsed) for every draw; throws NumericalError if max_iterations is
/// reached first.
at::Tensor planar_inverse(const at::Tensor& z_out, const at::Tensor& u, const at::Tensor& w,
                          const at::Tensor& b, double tol = 1e-13, int64_t max_iterations = 200);

// ---- the layer -----------------------------------------------------------------

class PlanarFlow : public FlowTransform {
 public:
  /// Parameters are set by reset_parameters(gen) (the identity map).
  PlanarFlow(int64_t dim, at::Generator gen);

  std::string layer_name() const override { return "planar"; }
  FlowOutput forward(const at::Tensor& z) override;
  at::Tensor inverse(const at::Tensor& z_out) override;
  /// w ~ N(0, I/D), b = 0 and u = c·w/‖w‖² with c = log(e − 1), so that
  /// m(wᵀu) = 0 and û = 0: f is exactly the identity, with a random
  /// hyperplane direction to start from.
  void reset_parameters(at::Generator gen) override;
  std::shared_ptr<FlowTransform> clone_layer() const override;

  at::Tensor u;  // [D], unconstrained
  at::Tensor w;  // [D]
  at::Tensor b;  // []
};

}  // namespace elbo::family
