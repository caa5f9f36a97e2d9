#pragma once
// A multilayer perceptron: Linear → activation → … → Linear (no activation on
// the output). With no hidden layers it is one affine map (the linear-Gaussian
// decoder of probabilistic PCA, the linear encoder of its optimal posterior).
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

namespace elbo::amortized {

enum class Activation { Tanh, Relu, Softplus };

/// "tanh", "relu", "softplus"; throws ConfigError otherwise.
Activation parse_activation(const std::string& name);
std::string activation_name(Activation a);
at::Tensor activate(const at::Tensor& x, Activation a);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t in, std::vector<int64_t> hidden, int64_t out, Activation activation);
  at::Tensor forward(at::Tensor x);
  /// Multiply-adds of one forward pass per row (for FLOP counts).
  int64_t multiply_adds() const;
  /// Those of the first layer alone (the part the sparse-input path scales by the density).
  int64_t input_layer_multiply_adds() const;
  /// The last Linear layer (to initialise its weights or bias by hand).
  torch::nn::Linear output_layer() const;
  /// Lets the first layer skip the zeros of inputs with at most `max_density` nonzero
  /// entries (sparse_input_linear: same values up to rounding); 0 turns it off.
  void sparse_input(double max_density) { sparse_input_ = max_density; }
  /// Nonzero fraction of the last input that took the sparse path, or 1 if it was dense.
  double last_input_density() const { return last_density_; }

 private:
  std::vector<torch::nn::Linear> layers_;
  Activation activation_;
  double sparse_input_ = 0.0, last_density_ = 1.0;
};
TORCH_MODULE(Mlp);

}  // namespace elbo::amortized
