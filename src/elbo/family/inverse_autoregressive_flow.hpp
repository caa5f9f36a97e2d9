#pragma once
// Inverse autoregressive flow (Kingma, Salimans, Jozefowicz, Chen, Sutskever &
// Welling 2016, "Improved Variational Inference with Inverse Autoregressive
// Flow", Algorithm 1, the numerically stable LSTM-style update):
//   [m, s] = MADE(z [, context]),   σ = sigmoid(s + gate_bias),
//   z' = σ ⊙ z + (1 − σ) ⊙ m,        log|det J| = Σ_d log σ_d.
// m_d and s_d depend on z only through the variables before d in the ordering,
// so J is triangular in that ordering with diagonal σ. gate_bias (+1 or +2 in
// the paper) starts σ near 1; with MADE's output layer initialised to zero the
// layer starts as z ↦ sigmoid(gate_bias)·z.
//
// Inverse: z_d = (z'_d − (1 − σ_d) m_d)/σ_d with m_d, σ_d from the earlier
// variables of z; D sweeps of this update from z = 0 fix one more variable of
// the ordering each time (sequential over D, exact after D sweeps).
#include <ATen/core/Generator.h>

#include <vector>

#include "elbo/family/flow_transform.hpp"
#include "elbo/family/masked_autoencoder.hpp"

namespace elbo::family {

/// z' = σ ⊙ z + (1 − σ) ⊙ m and Σ log σ with σ = sigmoid(s) (s includes the gate
/// bias); z, m, s [..., D].
FlowOutput iaf_forward(const at::Tensor& z, const at::Tensor& m, const at::Tensor& s);

/// z from z' given m, s evaluated at z itself, (z' − (1 − σ) ⊙ m)/σ: one sweep.
at::Tensor iaf_inverse_step(const at::Tensor& z_out, const at::Tensor& m, const at::Tensor& s);

struct InverseAutoregressiveFlowOptions {
  InverseAutoregressiveFlowOptions(int64_t dim, std::vector<int64_t> hidden)
      : dim_(dim), hidden_(std::move(hidden)) {}
  /// Order D−1, ..., 0 instead of 0, ..., D−1 (alternate between stacked layers).
  InverseAutoregressiveFlowOptions& reverse_order(bool on) { reverse_order_ = on; return *this; }
  InverseAutoregressiveFlowOptions& gate_bias(double b) { gate_bias_ = b; return *this; }
  InverseAutoregressiveFlowOptions& context_dim(int64_t c) { context_dim_ = c; return *this; }

  int64_t dim() const { return dim_; }
  const std::vector<int64_t>& hidden() const { return hidden_; }
  bool reverse_order() const { return reverse_order_; }
  double gate_bias() const { return gate_bias_; }
  int64_t context_dim() const { return context_dim_; }

 private:
  int64_t dim_;
  std::vector<int64_t> hidden_;
  bool reverse_order_ = false;
  double gate_bias_ = 2.0;
  int64_t context_dim_ = 0;
};

class InverseAutoregressiveFlow : public FlowTransform {
 public:
  InverseAutoregressiveFlow(InverseAutoregressiveFlowOptions options, at::Generator gen);

  std::string layer_name() const override { return "iaf"; }
  FlowOutput forward(const at::Tensor& z) override;
  at::Tensor inverse(const at::Tensor& z_out) override;
  /// With a context (options.context_dim() > 0) [..., C] broadcast against z.
  FlowOutput forward(const at::Tensor& z, const at::Tensor& context);
  at::Tensor inverse(const at::Tensor& z_out, const at::Tensor& context);

  void reset_parameters(at::Generator gen) override;
  double initial_scale() const override;
  std::shared_ptr<FlowTransform> clone_layer() const override;

  const InverseAutoregressiveFlowOptions& options() const { return options_; }
  /// The ordering: order()[i] is the variable at position i.
  std::vector<int64_t> order() const;

  MaskedAutoencoderPtr made;

 private:
  InverseAutoregressiveFlowOptions options_;
};

}  // namespace elbo::family
