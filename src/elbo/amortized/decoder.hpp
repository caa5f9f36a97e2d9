#pragma once
// Generative network p_θ(x|z): an MLP from z to the parameters of a factorised
// likelihood — Bernoulli (logits; binary or binarised images) or Gaussian (mean,
// and a log standard deviation that is either one learned vector shared by all
// points or an output of the network). With no hidden layers and a Gaussian
// likelihood it is probabilistic PCA's x = Wz + μ + ε (Tipping & Bishop 1999).
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "elbo/amortized/mlp.hpp"

namespace elbo::amortized {

enum class Likelihood { Bernoulli, Gaussian };
enum class GaussianScale { Shared, PerPoint };

Likelihood parse_likelihood(const std::string& name);
std::string likelihood_name(Likelihood l);

struct DecoderOptions {
  DecoderOptions(int64_t latent, int64_t output) : latent_(latent), output_(output) {}
  TORCH_ARG(int64_t, latent);
  TORCH_ARG(int64_t, output);
  TORCH_ARG(std::vector<int64_t>, hidden) = {};
  TORCH_ARG(Activation, activation) = Activation::Tanh;
  TORCH_ARG(Likelihood, likelihood) = Likelihood::Bernoulli;
  TORCH_ARG(GaussianScale, scale) = GaussianScale::Shared;
};

class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(DecoderOptions options);
  /// log p(x|z) summed over the P outputs: x [N, P], z [K, N, D] → [K, N].
  at::Tensor log_likelihood(const at::Tensor& x, const at::Tensor& z);
  /// E[x|z]: sigmoid(logits) or the Gaussian mean.
  at::Tensor mean(const at::Tensor& z);
  /// Gaussian likelihood's (mean, log σ) at z (log σ broadcast to the mean's shape).
  std::pair<at::Tensor, at::Tensor> gaussian(const at::Tensor& z);
  const DecoderOptions& options() const { return options_; }
  Mlp net() const { return net_; }
  /// The shared log σ (Gaussian, Shared scale), else undefined.
  at::Tensor log_scale() const { return log_scale_; }
  int64_t multiply_adds() const { return net_->multiply_adds(); }

 private:
  DecoderOptions options_;
  Mlp net_{nullptr};
  at::Tensor log_scale_;
};
TORCH_MODULE(Decoder);

}  // namespace elbo::amortized
