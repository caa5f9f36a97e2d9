#pragma once
// A variational autoencoder: prior p(z), decoder p_θ(x|z) and encoder q_φ(z|x),
// with one stochastic layer or two (Burda, Grosse & Salakhutdinov 2016, §5:
// q(z1|x) q(z2|z1), p(z2) p(z1|z2) p(x|z1), all conditionals diagonal Gaussian
// but the Bernoulli/Gaussian p(x|z1)).
//
// Every objective is built from the log importance weights
//   log w_k = log p(x, z_k) − log q(z_k|x),   z_k ~ q(·|x),  k = 1..K.
#include <ATen/core/Generator.h>
#include <nlohmann/json_fwd.hpp>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/amortized/decoder.hpp"
#include "elbo/amortized/encoder.hpp"
#include "elbo/amortized/prior.hpp"

namespace elbo::amortized {

struct VaeOptions {
  VaeOptions(int64_t input, int64_t latent) : input_(input), latent_(latent) {}
  TORCH_ARG(int64_t, input);
  TORCH_ARG(int64_t, latent);
  TORCH_ARG(std::vector<int64_t>, hidden) = {200, 200};  // encoder; the decoder mirrors it
  TORCH_ARG(Activation, activation) = Activation::Tanh;
  TORCH_ARG(Likelihood, likelihood) = Likelihood::Bernoulli;
  TORCH_ARG(Covariance, covariance) = Covariance::Diagonal;
  TORCH_ARG(FlowKind, flow) = FlowKind::None;
  TORCH_ARG(int64_t, flow_length) = 0;
  TORCH_ARG(int64_t, prior_components) = 0;  // 0: N(0, I)
  /// Second stochastic layer (0: none) and the hidden sizes of its networks.
  TORCH_ARG(int64_t, latent2) = 0;
  TORCH_ARG(std::vector<int64_t>, hidden2) = {100, 100};
  /// Image shape, stored for the grids (rows × cols = input, or 0 × 0).
  TORCH_ARG(int64_t, image_rows) = 0;
  TORCH_ARG(int64_t, image_cols) = 0;
};

nlohmann::json vae_options_to_json(const VaeOptions& o);
/// Throws ConfigError on a missing or invalid field.
VaeOptions vae_options_from_json(const nlohmann::json& j);

/// The terms of log w on K draws per point, each [K, N].
struct LogWeights {
  at::Tensor log_px_z;  // log p(x|z)
  at::Tensor log_pz;    // log p(z) (two layers: log p(z1|z2) + log p(z2))
  at::Tensor log_qz;    // log q(z|x) (two layers: log q(z1|x) + log q(z2|z1))
  /// KL(q(z|x) ‖ p(z)) in closed form where it exists (one layer, Gaussian q without
  /// a flow, standard-normal prior): [N]; per latent dimension (diagonal q): [N, D].
  at::Tensor kl, kl_per_dim;
  at::Tensor z;  // first-layer draws [K, N, D]
  at::Tensor log_w() const { return log_px_z + log_pz - log_qz; }
};

class VaeImpl : public torch::nn::Module {
 public:
  explicit VaeImpl(VaeOptions options);
  LogWeights log_weights(const at::Tensor& x, int64_t k, at::Generator gen);
  /// E[x|z] for first-layer z [N, D].
  at::Tensor decode_mean(const at::Tensor& z);
  /// n draws of x's mean from the generative model: z ~ p(z) (through p(z1|z2)'s mean).
  at::Tensor sample_means(int64_t n, at::Generator gen);
  /// Reconstructions E[x | z = E_q[z|x]] (base-Gaussian mean; first layer).
  at::Tensor reconstruct(const at::Tensor& x);
  const VaeOptions& options() const { return options_; }
  Encoder encoder() const { return encoder_; }
  Decoder decoder() const { return decoder_; }
  Prior prior() const { return prior_; }
  /// Multiply-adds of one forward pass per data point and draw (dense layers only).
  int64_t multiply_adds() const;

 private:
  VaeOptions options_;
  Encoder encoder_{nullptr}, encoder2_{nullptr};
  Decoder decoder_{nullptr}, decoder2_{nullptr};
  Prior prior_{nullptr};
};
TORCH_MODULE(Vae);

/// Saves the options and parameters to `path` (atomically) / loads them back.
void save_vae(Vae& vae, const std::string& path);
Vae load_vae(const std::string& path);

}  // namespace elbo::amortized
