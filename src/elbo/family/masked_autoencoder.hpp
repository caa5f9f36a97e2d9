#pragma once
// MADE, the masked autoencoder for distribution estimation (Germain, Gregor,
// Murray & Larochelle 2015, §4): an MLP x [..., D] → [..., P, D] whose output
// for variable d depends only on the variables before d in an autoregressive
// ordering. Each unit gets a degree: input d has degree deg(d) ∈ {1..D}
// (its position in `order`), hidden unit k of every layer has
// m(k) = 1 + (k mod (D − 1)) (0 when D = 1, so it sees no input), and
//   input → hidden:  connected iff m(k) ≥ deg(d)         (eq. 12)
//   hidden → hidden: connected iff m(k') ≥ m(k)
//   hidden → output: connected iff deg(d) > m(k)          (eq. 13)
// so ∂out[p, d]/∂x_j = 0 unless deg(j) < deg(d). The degrees are fixed
// (cyclic, not sampled) so the structure is reproducible.
//
// Optional context c [..., C] (e.g. an amortized encoder's features, for a
// conditional IAF) enters the first hidden layer unmasked: it may influence
// every output without breaking the autoregressive property in x. With a
// context the hidden degrees are m(k) = k mod D instead: the degree-0 units see
// only the context and reach every output, including the first variable's
// (which would otherwise be a constant).
#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace elbo::family {

struct MaskedAutoencoderOptions {
  MaskedAutoencoderOptions(int64_t dim, std::vector<int64_t> hidden)
      : dim_(dim), hidden_(std::move(hidden)) {}
  /// Outputs per variable P (IAF uses 2: m and s).
  MaskedAutoencoderOptions& outputs_per_dim(int64_t p) { outputs_per_dim_ = p; return *this; }
  /// Size C of the context input (0: none).
  MaskedAutoencoderOptions& context_dim(int64_t c) { context_dim_ = c; return *this; }
  /// The autoregressive ordering: order[i] is the variable at position i (a
  /// permutation of 0..D−1). Empty: 0, 1, ..., D−1.
  MaskedAutoencoderOptions& order(std::vector<int64_t> o) { order_ = std::move(o); return *this; }
  /// Initialise the output layer to zero (outputs start at 0 for every input).
  MaskedAutoencoderOptions& zero_output(bool on) { zero_output_ = on; return *this; }

  int64_t dim() const { return dim_; }
  const std::vector<int64_t>& hidden() const { return hidden_; }
  int64_t outputs_per_dim() const { return outputs_per_dim_; }
  int64_t context_dim() const { return context_dim_; }
  const std::vector<int64_t>& order() const { return order_; }
  bool zero_output() const { return zero_output_; }

 private:
  int64_t dim_;
  std::vector<int64_t> hidden_;
  int64_t outputs_per_dim_ = 2;
  int64_t context_dim_ = 0;
  std::vector<int64_t> order_;
  bool zero_output_ = true;
};

class MaskedAutoencoder : public torch::nn::Module {
 public:
  /// Validates the options (ConfigError) and initialises with reset_parameters.
  MaskedAutoencoder(MaskedAutoencoderOptions options, at::Generator gen);

  /// x [..., D] (and context [..., C] when context_dim > 0) → [..., P, D];
  /// hidden activations are tanh.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context = {});

  /// Weights U(−1/√fan_in, 1/√fan_in) from `gen`, biases 0; the output layer
  /// zero when options.zero_output().
  void reset_parameters(at::Generator gen);

  const MaskedAutoencoderOptions& options() const { return options_; }
  /// deg(d) for each variable d (1-based positions in the ordering) [D].
  const std::vector<int64_t>& input_degrees() const { return degrees_; }

  std::vector<at::Tensor> weights;  // layer l: [out, in]; the last is the output layer
  std::vector<at::Tensor> biases;
  std::vector<at::Tensor> masks;    // buffers, same shapes as weights
  at::Tensor context_weight;        // [H1, C] when context_dim > 0

 private:
  MaskedAutoencoderOptions options_;
  std::vector<int64_t> degrees_;
};

using MaskedAutoencoderPtr = std::shared_ptr<MaskedAutoencoder>;

}  // namespace elbo::family
