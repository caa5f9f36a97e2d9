#include "elbo/family/affine_coupling_flow.hpp"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::family {

namespace {
constexpr double kLogScaleLimit = 3.0;
}  // namespace

FlowOutput affine_coupling_forward(const at::Tensor& z, const at::Tensor& mask,
                                   const at::Tensor& shift, const at::Tensor& log_scale) {
  auto free = 1.0 - mask;
  auto s = free * log_scale;
  FlowOutput out;
  out.z = mask * z + free * (z * torch::exp(s) + shift);
  out.log_det = s.sum(-1);
  return out;
}

at::Tensor affine_coupling_inverse(const at::Tensor& z_out, const at::Tensor& mask,
                                   const at::Tensor& shift, const at::Tensor& log_scale) {
  auto free = 1.0 - mask;
  return mask * z_out + free * (z_out - shift) * torch::exp(-free * log_scale);
}

at::Tensor alternating_mask(int64_t dim, int64_t parity) {
  auto idx = torch::arange(dim, torch::TensorOptions().dtype(torch::kLong));
  return ((idx + parity).remainder(2) == 0).to(torch::kDouble);
}

AffineCouplingFlow::AffineCouplingFlow(AffineCouplingFlowOptions options, at::Generator gen)
    : FlowTransform(options.dim()), options_(std::move(options)) {
  check_option_positive("AffineCouplingFlow", "dim", static_cast<double>(dim()));
  if (options_.hidden().empty()) throw ConfigError("AffineCouplingFlow: needs at least one hidden layer");
  for (auto h : options_.hidden()) {
    check_option_positive("AffineCouplingFlow", "hidden size", static_cast<double>(h));
  }
  if (options_.parity() != 0 && options_.parity() != 1) {
    throw ConfigError("AffineCouplingFlow: parity must be 0 or 1");
  }
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  int64_t in = dim();
  std::vector<int64_t> sizes = options_.hidden();
  sizes.push_back(2 * dim());
  for (size_t l = 0; l < sizes.size(); ++l) {
    weights.push_back(register_parameter("weight" + std::to_string(l), torch::zeros({sizes[l], in}, opts)));
    biases.push_back(register_parameter("bias" + std::to_string(l), torch::zeros({sizes[l]}, opts)));
    in = sizes[l];
  }
  mask = register_buffer("mask", alternating_mask(dim(), options_.parity()));
  reset_parameters(std::move(gen));
}

void AffineCouplingFlow::reset_parameters(at::Generator gen) {
  torch::NoGradGuard no_grad;
  for (size_t l = 0; l < weights.size(); ++l) {
    biases[l].zero_();
    if (l + 1 == weights.size()) {
      weights[l].zero_();
    } else {
      const double bound = 1.0 / std::sqrt(static_cast<double>(weights[l].size(1)));
      weights[l].copy_((torch::rand(weights[l].sizes(), gen, weights[l].options()) * 2.0 - 1.0) * bound);
    }
  }
}

std::pair<at::Tensor, at::Tensor> AffineCouplingFlow::conditioner(const at::Tensor& z) {
  at::Tensor h = z * mask;
  for (size_t l = 0; l < weights.size(); ++l) {
    h = at::linear(h, weights[l], biases[l]);
    if (l + 1 != weights.size()) h = torch::tanh(h);
  }
  auto parts = h.split(dim(), -1);
  auto log_scale = kLogScaleLimit * torch::tanh(parts[1] / kLogScaleLimit);
  return {parts[0], log_scale};
}

FlowOutput AffineCouplingFlow::forward(const at::Tensor& z) {
  auto [shift, log_scale] = conditioner(z);
  return affine_coupling_forward(z, mask, shift, log_scale);
}

at::Tensor AffineCouplingFlow::inverse(const at::Tensor& z_out) {
  auto [shift, log_scale] = conditioner(z_out);  // mask ⊙ z_out = mask ⊙ z
  return affine_coupling_inverse(z_out, mask, shift, log_scale);
}

std::shared_ptr<FlowTransform> AffineCouplingFlow::clone_layer() const {
  auto copy = std::make_shared<AffineCouplingFlow>(options_, make_generator(0));
  copy_module_state(*this, *copy);
  return copy;
}

}  // namespace elbo::family
