#pragma once
// Priors p(z) on the (top) latent layer: the standard normal, or a learned
// mixture of C diagonal Gaussians p(z) = Σ_c π_c N(z; μ_c, diag σ_c²) with
// π = softmax(logits) (the structured/learned-prior variant, e.g. Tomczak &
// Welling 2018's mixture baseline).
#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>

namespace elbo::amortized {

class PriorImpl : public torch::nn::Module {
 public:
  /// components = 0: N(0, I); components ≥ 1: learned mixture.
  PriorImpl(int64_t latent, int64_t components);
  /// log p(z) for z [..., D] → [...].
  at::Tensor log_prob(const at::Tensor& z);
  /// n draws [n, D].
  at::Tensor sample(int64_t n, at::Generator gen, const at::TensorOptions& options);
  bool is_standard_normal() const { return components_ == 0; }
  int64_t components() const { return components_; }

 private:
  int64_t latent_, components_;
  at::Tensor means_, log_stds_, logits_;
};
TORCH_MODULE(Prior);

/// The prior spec users write ("normal" or "mixture:C") as PriorImpl's
/// components (0, or C ≥ 1); ConfigError naming `option` (how the caller's
/// user spelled it, e.g. "train vae: --prior") otherwise.
int64_t parse_prior_components(const std::string& spec, const std::string& option);

}  // namespace elbo::amortized
