#include "elbo/family/inverse_autoregressive_flow.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/random.hpp"

namespace elbo::family {

FlowOutput iaf_forward(const at::Tensor& z, const at::Tensor& m, const at::Tensor& s) {
  auto sigma = torch::sigmoid(s);
  FlowOutput out;
  out.z = sigma * z + (1.0 - sigma) * m;
  out.log_det = -torch::softplus(-s).sum(-1);  // log sigmoid(s), stably
  return out;
}

at::Tensor iaf_inverse_step(const at::Tensor& z_out, const at::Tensor& m, const at::Tensor& s) {
  auto sigma = torch::sigmoid(s);
  return (z_out - (1.0 - sigma) * m) / sigma;
}

InverseAutoregressiveFlow::InverseAutoregressiveFlow(InverseAutoregressiveFlowOptions options,
                                                     at::Generator gen)
    : FlowTransform(options.dim()), options_(std::move(options)) {
  check_option_positive("InverseAutoregressiveFlow", "dim", static_cast<double>(dim()));
  check_finite("InverseAutoregressiveFlow", "gate_bias", options_.gate_bias());
  made = register_module("made", std::make_shared<MaskedAutoencoder>(
                                     MaskedAutoencoderOptions(dim(), options_.hidden())
                                         .outputs_per_dim(2)
                                         .context_dim(options_.context_dim())
                                         .order(order())
                                         .zero_output(true),
                                     std::move(gen)));
}

std::vector<int64_t> InverseAutoregressiveFlow::order() const {
  std::vector<int64_t> o(dim());
  for (int64_t i = 0; i < dim(); ++i) o[i] = options_.reverse_order() ? dim() - 1 - i : i;
  return o;
}

void InverseAutoregressiveFlow::reset_parameters(at::Generator gen) {
  made->reset_parameters(std::move(gen));
}

double InverseAutoregressiveFlow::initial_scale() const {
  return 1.0 / (1.0 + std::exp(-options_.gate_bias()));
}

FlowOutput InverseAutoregressiveFlow::forward(const at::Tensor& z) { return forward(z, {}); }

FlowOutput InverseAutoregressiveFlow::forward(const at::Tensor& z, const at::Tensor& context) {
  auto out = made->forward(z, context);
  return iaf_forward(z, out.select(-2, 0), out.select(-2, 1) + options_.gate_bias());
}

at::Tensor InverseAutoregressiveFlow::inverse(const at::Tensor& z_out) { return inverse(z_out, {}); }

at::Tensor InverseAutoregressiveFlow::inverse(const at::Tensor& z_out, const at::Tensor& context) {
  // Sweep k fixes the variable at position k of the ordering (its m, σ depend
  // only on positions < k, fixed by earlier sweeps).
  auto z = torch::zeros_like(z_out);
  for (int64_t k = 0; k < dim(); ++k) {
    auto out = made->forward(z, context);
    z = iaf_inverse_step(z_out, out.select(-2, 0), out.select(-2, 1) + options_.gate_bias());
  }
  return z;
}

std::shared_ptr<FlowTransform> InverseAutoregressiveFlow::clone_layer() const {
  auto copy = std::make_shared<InverseAutoregressiveFlow>(options_, make_generator(0));
  copy_module_state(*this, *copy);
  return copy;
}

}  // namespace elbo::family
