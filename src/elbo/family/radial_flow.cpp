#include "elbo/family/radial_flow.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/random.hpp"

namespace elbo::family {

// With γ = softplus(β_raw) = α + β ≥ 0 every factor is free of cancellation
// (β ≈ −α contracts strongly near z0):
//   1 + βh = (γ + r)/(α + r),   (α + r)² + αβ = r² + 2αr + αγ.
FlowOutput radial_forward(const at::Tensor& z, const at::Tensor& z0, const at::Tensor& alpha_raw,
                          const at::Tensor& beta_raw) {
  auto alpha = torch::softplus(alpha_raw);
  auto gamma = torch::softplus(beta_raw);
  auto diff = z - z0;
  auto r = diff.square().sum(-1).sqrt();
  auto log_a_r = torch::log(alpha + r);
  auto log_factor = torch::log(gamma + r) - log_a_r;  // log(1 + βh)
  FlowOutput out;
  out.z = z0 + torch::exp(log_factor).unsqueeze(-1) * diff;
  const double d_minus_1 = static_cast<double>(z.size(-1) - 1);
  out.log_det = d_minus_1 * log_factor + torch::log(r * (r + 2.0 * alpha) + alpha * gamma) - 2.0 * log_a_r;
  return out;
}

at::Tensor radial_inverse(const at::Tensor& z_out, const at::Tensor& z0,
                          const at::Tensor& alpha_raw, const at::Tensor& beta_raw) {
  auto alpha = torch::softplus(alpha_raw);
  auto gamma = torch::softplus(beta_raw);
  auto diff_out = z_out - z0;
  auto r_out = diff_out.square().sum(-1).sqrt();
  // r² + (γ − r') r − α r' = 0, the non-negative root.
  auto B = gamma - r_out;
  auto root = torch::sqrt(B.square() + 4.0 * alpha * r_out);
  auto r = torch::where(B > 0, 2.0 * alpha * r_out / (B + root), 0.5 * (root - B));
  return z0 + diff_out * ((alpha + r) / (gamma + r)).unsqueeze(-1);
}

RadialFlow::RadialFlow(int64_t dim, at::Generator gen) : FlowTransform(dim) {
  check_option_positive("RadialFlow", "dim", static_cast<double>(dim));
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  z0 = register_parameter("z0", torch::zeros({dim}, opts));
  alpha_raw = register_parameter("alpha_raw", torch::zeros({}, opts));
  beta_raw = register_parameter("beta_raw", torch::zeros({}, opts));
  reset_parameters(std::move(gen));
}

void RadialFlow::reset_parameters(at::Generator gen) {
  torch::NoGradGuard no_grad;
  z0.copy_(torch::randn({dim()}, gen, z0.options()));
  alpha_raw.zero_();  // α = log 2
  beta_raw.zero_();   // softplus(0) = log 2 = α ⇒ β = 0
}

FlowOutput RadialFlow::forward(const at::Tensor& z) {
  return radial_forward(z, z0, alpha_raw, beta_raw);
}

at::Tensor RadialFlow::inverse(const at::Tensor& z_out) {
  return radial_inverse(z_out, z0, alpha_raw, beta_raw);
}

std::shared_ptr<FlowTransform> RadialFlow::clone_layer() const {
  auto copy = std::make_shared<RadialFlow>(dim(), make_generator(0));
  copy_module_state(*this, *copy);
  return copy;
}

}  // namespace elbo::family
