#pragma once
// Affine coupling layer of RealNVP (Dinh, Sohl-Dickstein & Bengio 2017,
// "Density estimation using Real NVP", eq. 4–9) with a binary mask b:
//   z' = b ⊙ z + (1 − b) ⊙ (z ⊙ exp(s(b ⊙ z)) + t(b ⊙ z)),
//   log|det J| = Σ_d (1 − b_d) s_d(b ⊙ z),
//   z  = b ⊙ z' + (1 − b) ⊙ (z' − t(b ⊙ z')) ⊙ exp(−s(b ⊙ z'))   (b ⊙ z' = b ⊙ z).
// s and t come from one MLP (tanh hidden layers) on b ⊙ z; the log-scale is
// soft-clamped, s = 3 tanh(s_raw/3), so one layer scales by at most e^±3
// (training stability). The output layer starts at zero: the layer starts as
// the identity. Stacked layers alternate the mask (parity): even indices fixed,
// then odd ones.
#include <ATen/core/Generator.h>

#include <vector>

#include "elbo/family/flow_transform.hpp"

namespace elbo::family {

/// The coupling map given its conditioner outputs: z, mask, shift, log_scale
/// broadcast [..., D] (shift and log_scale must be functions of mask ⊙ z only
/// for this to be a bijection with the stated log-determinant).
FlowOutput affine_coupling_forward(const at::Tensor& z, const at::Tensor& mask,
                                   const at::Tensor& shift, const at::Tensor& log_scale);
/// Its inverse, with shift and log_scale evaluated at mask ⊙ z_out.
at::Tensor affine_coupling_inverse(const at::Tensor& z_out, const at::Tensor& mask,
                                   const at::Tensor& shift, const at::Tensor& log_scale);
/// The alternating mask [D]: b_d = 1 when (d + parity) is even.
at::Tensor alternating_mask(int64_t dim, int64_t parity);

struct AffineCouplingFlowOptions {
  AffineCouplingFlowOptions(int64_t dim, std::vector<int64_t> hidden)
      : dim_(dim), hidden_(std::move(hidden)) {}
  /// 0: even indices pass through unchanged; 1: odd ones.
  AffineCouplingFlowOptions& parity(int64_t p) { parity_ = p; return *this; }
  int64_t dim() const { return dim_; }
  const std::vector<int64_t>& hidden() const { return hidden_; }
  int64_t parity() const { return parity_; }

 private:
  int64_t dim_;
  std::vector<int64_t> hidden_;
  int64_t parity_ = 0;
};

class AffineCouplingFlow : public FlowTransform {
 public:
  AffineCouplingFlow(AffineCouplingFlowOptions options, at::Generator gen);

  std::string layer_name() const override { return "realnvp"; }
  FlowOutput forward(const at::Tensor& z) override;
  at::Tensor inverse(const at::Tensor& z_out) override;
  /// Hidden weights U(−1/√fan_in, 1/√fan_in), biases 0, output layer 0.
  void reset_parameters(at::Generator gen) override;
  std::shared_ptr<FlowTransform> clone_layer() const override;

  const AffineCouplingFlowOptions& options() const { return options_; }

  /// (shift, log_scale) [..., D] from mask ⊙ z.
  std::pair<at::Tensor, at::Tensor> conditioner(const at::Tensor& z);

  std::vector<at::Tensor> weights;  // MLP D → hidden... → 2D
  std::vector<at::Tensor> biases;
  at::Tensor mask;                  // buffer [D]

 private:
  AffineCouplingFlowOptions options_;
};

}  // namespace elbo::family
