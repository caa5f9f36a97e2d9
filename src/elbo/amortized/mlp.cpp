#include "elbo/amortized/mlp.hpp"

#include <torch/torch.h>

#include "elbo/amortized/sparse_input_linear.hpp"
#include "elbo/amortized/tanh_activation.hpp"
#include "elbo/core/error.hpp"

namespace elbo::amortized {

Activation parse_activation(const std::string& name) {
  if (name == "tanh") return Activation::Tanh;
  if (name == "relu") return Activation::Relu;
  if (name == "softplus") return Activation::Softplus;
  throw ConfigError("--activation '" + name + "' is not one of tanh, relu, softplus");
}

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::Tanh: return "tanh";
    case Activation::Relu: return "relu";
    case Activation::Softplus: return "softplus";
  }
  return "?";
}

at::Tensor activate(const at::Tensor& x, Activation a) {
  switch (a) {
    case Activation::Tanh: return tanh_activation(x);
    case Activation::Relu: return torch::relu(x);
    case Activation::Softplus: return torch::softplus(x);
  }
  return x;
}

MlpImpl::MlpImpl(int64_t in, std::vector<int64_t> hidden, int64_t out, Activation activation)
    : activation_(activation) {
  if (in < 1 || out < 1) throw ConfigError("Mlp: input and output sizes must be positive");
  int64_t prev = in;
  hidden.push_back(out);
  for (size_t i = 0; i < hidden.size(); ++i) {
    if (hidden[i] < 1) throw ConfigError("Mlp: hidden layer sizes must be positive");
    layers_.push_back(register_module("linear" + std::to_string(i), torch::nn::Linear(prev, hidden[i])));
    prev = hidden[i];
  }
}

at::Tensor MlpImpl::forward(at::Tensor x) {
  last_density_ = 1.0;
  auto layer = [&](size_t i, const at::Tensor& in) {
    if (i == 0 && sparse_input_ > 0 && sparse_input_applies(in, layers_[0]->weight, 1.0)) {
      const double density = nonzero_fraction(in);
      if (density <= sparse_input_) {
        last_density_ = density;
        return sparse_input_linear(in, layers_[0]->weight, layers_[0]->bias);
      }
    }
    return layers_[i]->forward(in);
  };
  for (size_t i = 0; i + 1 < layers_.size(); ++i) x = activate(layer(i, x), activation_);
  return layer(layers_.size() - 1, x);
}

int64_t MlpImpl::multiply_adds() const {
  int64_t total = 0;
  for (const auto& l : layers_) total += l->weight.numel();
  return total;
}

int64_t MlpImpl::input_layer_multiply_adds() const { return layers_.front()->weight.numel(); }

torch::nn::Linear MlpImpl::output_layer() const { return layers_.back(); }

}  // namespace elbo::amortized
