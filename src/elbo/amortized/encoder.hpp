#pragma once
// Inference network (amortized posterior): an MLP maps x to the parameters of
// q(z|x) — a diagonal Gaussian, a full-covariance Gaussian through its Cholesky
// factor, optionally followed by a flow (planar with per-point u, w, b, or IAF
// with a per-point context h) — shared by all data points (Kingma & Welling 2014;
// Rezende et al. 2014; Rezende & Mohamed 2015; Kingma et al. 2016).
#include <ATen/core/Generator.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/amortized/gaussian.hpp"
#include "elbo/amortized/iaf.hpp"
#include "elbo/amortized/mlp.hpp"

namespace elbo::amortized {

enum class Covariance { Diagonal, Cholesky };
enum class FlowKind { None, Planar, Iaf };

/// "none", "planar:K", "iaf:K" → kind and length; throws ConfigError otherwise.
std::pair<FlowKind, int64_t> parse_flow(const std::string& spec);
std::string flow_name(FlowKind kind, int64_t length);

struct EncoderOptions {
  EncoderOptions(int64_t input, int64_t latent) : input_(input), latent_(latent) {}
  TORCH_ARG(int64_t, input);
  TORCH_ARG(int64_t, latent);
  TORCH_ARG(std::vector<int64_t>, hidden) = {};
  TORCH_ARG(Activation, activation) = Activation::Tanh;
  TORCH_ARG(Covariance, covariance) = Covariance::Diagonal;
  TORCH_ARG(FlowKind, flow) = FlowKind::None;
  TORCH_ARG(int64_t, flow_length) = 0;
  /// IAF: MADE hidden units and context size.
  TORCH_ARG(int64_t, made_hidden) = 0;  // 0: 2 × latent
  TORCH_ARG(int64_t, context) = 0;      // 0: latent
  /// The first layer skips the zeros of inputs with at most this nonzero fraction
  /// (Mlp::sparse_input; binarised images); 0: always dense.
  TORCH_ARG(double, sparse_input) = 0.0;
};

/// One posterior draw set: z [K, N, D] and log q(z|x) [K, N].
struct PosteriorSample {
  at::Tensor z, log_q;
  DiagonalGaussian diagonal;   // the base Gaussian (set when Diagonal)
  CholeskyGaussian cholesky;   // the base Gaussian (set when Cholesky)
  bool has_flow = false;
};

class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(EncoderOptions options);
  /// The base Gaussian's mean μ(x) [N, D] (the active-units statistic uses it).
  at::Tensor mean(const at::Tensor& x);
  /// K reparameterised draws per row of x [N, P], with their log density.
  PosteriorSample sample(const at::Tensor& x, int64_t k, at::Generator gen);
  /// log q(z|x) of given z [K, N, D]; only without a flow (a flow's inverse is not closed-form).
  at::Tensor log_prob(const at::Tensor& x, const at::Tensor& z);
  const EncoderOptions& options() const { return options_; }
  int64_t multiply_adds() const;
  Mlp net() const { return net_; }

 private:
  struct Heads {
    at::Tensor mean, log_std, tril, planar, context;
  };
  Heads heads(const at::Tensor& x);

  EncoderOptions options_;
  Mlp net_{nullptr};
  std::vector<IafStep> iaf_;
  int64_t tril_size_ = 0, planar_size_ = 0, context_size_ = 0;
};
TORCH_MODULE(Encoder);

}  // namespace elbo::amortized
