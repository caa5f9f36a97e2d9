#include "elbo/family/planar_flow.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::family {

namespace {

at::Tensor row_dot(const at::Tensor& a, const at::Tensor& b) { return (a * b).sum(-1); }

}  // namespace

at::Tensor planar_u_hat(const at::Tensor& u, const at::Tensor& w) {
  auto wu = row_dot(w, u);
  auto m = torch::softplus(wu) - 1.0;
  return u + ((m - wu) / row_dot(w, w)).unsqueeze(-1) * w;
}

FlowOutput planar_forward(const at::Tensor& z, const at::Tensor& u, const at::Tensor& w,
                          const at::Tensor& b) {
  auto u_hat = planar_u_hat(u, w);
  auto h = torch::tanh(row_dot(z, w) + b);
  FlowOutput out;
  out.z = z + h.unsqueeze(-1) * u_hat;
  // 1 + h'·wᵀû with h' = 1 − tanh², wᵀû = softplus(wᵀu) − 1, written as the
  // sum of non-negative terms tanh² + h'·softplus(wᵀu): no cancellation when
  // wᵀû is within rounding of −1.
  auto h2 = h.square();
  out.log_det = torch::log(h2 + (1.0 - h2) * torch::softplus(row_dot(w, u)));
  return out;
}

at::Tensor planar_inverse(const at::Tensor& z_out, const at::Tensor& u, const at::Tensor& w,
                          const at::Tensor& b, double tol, int64_t max_iterations) {
  at::Tensor a;
  {
    torch::NoGradGuard no_grad;
    auto wd = w.detach();
    auto sp = torch::softplus(row_dot(wd, u.detach()));
    auto c = sp - 1.0;                                        // wᵀû
    auto bd = b.detach();
    auto target = row_dot(z_out.detach(), wd);                // wᵀz'
    auto shape = target.sizes();
    c = c.expand(shape).contiguous();
    sp = sp.expand(shape).contiguous();
    bd = bd.expand(shape).contiguous();
    auto lo = target - c.abs();
    auto hi = target + c.abs();
    a = target.clone();
    bool converged = false;
    const double eps = std::numeric_limits<double>::epsilon();
    for (int64_t it = 0; it < max_iterations; ++it) {
      auto t = torch::tanh(a + bd);
      auto g = a + c * t - target;
      auto t2 = t.square();
      auto slope = t2 + (1.0 - t2) * sp;  // g' = 1 + c·(1 − t²) ≥ 0
      // Done when the Newton step is below tol·(1 + |a|), or g is at its
      // rounding level (nothing more to gain), or the bracket has collapsed.
      auto small_step = g.abs() <= tol * slope * (1.0 + a.abs());
      auto rounding = g.abs() <= 8 * eps * (1.0 + a.abs() + target.abs() + c.abs());
      auto collapsed = (hi - lo) <= 4 * eps * (1.0 + a.abs());
      if ((small_step | rounding | collapsed).all().item().toBool()) {
        converged = true;
        break;
      }
      // g is increasing: g > 0 means the root is below a.
      auto above = g > 0;
      hi = torch::where(above, a, hi);
      lo = torch::where(above, lo, a);
      auto newton = a - g / slope;
      auto inside = (newton > lo) & (newton < hi) & torch::isfinite(newton);
      a = torch::where(inside, newton, 0.5 * (lo + hi));
    }
    if (!converged) {
      throw NumericalError("planar_inverse: root-find did not converge in " +
                           std::to_string(max_iterations) + " iterations");
    }
  }
  // A differentiable Newton step at the root: exact derivatives in z_out, u,
  // w and b by the implicit function theorem (da = −∂g/g').
  auto sp = torch::softplus(row_dot(w, u));
  auto t = torch::tanh(a + b);
  auto g = a + (sp - 1.0) * t - row_dot(z_out, w);
  auto t2 = t.square();
  auto slope = t2 + (1.0 - t2) * sp;
  // The value stays the root found above; the gradient is −∂g/g'.
  auto root = a - (g - g.detach()) / slope;
  return z_out - torch::tanh(root + b).unsqueeze(-1) * planar_u_hat(u, w);
}

PlanarFlow::PlanarFlow(int64_t dim, at::Generator gen) : FlowTransform(dim) {
  check_option_positive("PlanarFlow", "dim", static_cast<double>(dim));
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  u = register_parameter("u", torch::zeros({dim}, opts));
  w = register_parameter("w", torch::zeros({dim}, opts));
  b = register_parameter("b", torch::zeros({}, opts));
  reset_parameters(std::move(gen));
}

void PlanarFlow::reset_parameters(at::Generator gen) {
  torch::NoGradGuard no_grad;
  auto direction = torch::randn({dim()}, gen, w.options()) / std::sqrt(static_cast<double>(dim()));
  w.copy_(direction);
  b.zero_();
  // wᵀu = log(e − 1) ⇒ softplus(wᵀu) = 1 ⇒ m = 0 ⇒ û = 0.
  u.copy_(direction * (std::log(std::exp(1.0) - 1.0) / direction.square().sum()));
}

FlowOutput PlanarFlow::forward(const at::Tensor& z) { return planar_forward(z, u, w, b); }

at::Tensor PlanarFlow::inverse(const at::Tensor& z_out) { return planar_inverse(z_out, u, w, b); }

std::shared_ptr<FlowTransform> PlanarFlow::clone_layer() const {
  auto copy = std::make_shared<PlanarFlow>(dim(), make_generator(0));
  copy_module_state(*this, *copy);
  return copy;
}

}  // namespace elbo::family
