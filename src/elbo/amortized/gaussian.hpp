#pragma once
// Gaussian posteriors q(z|x) on [N, D] batches, one distribution per data
// point, with reparameterised draws of K samples each ([K, N, D]):
//   DiagonalGaussian  z = μ + σ ⊙ ε
//   CholeskyGaussian  z = μ + L ε   (L lower triangular, positive diagonal)
// ε ~ N(0, I) drawn from an explicit generator (Kingma & Welling 2014, §2.4).
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace elbo::amortized {

/// log N(z; 0, I) summed over the last dimension.
at::Tensor standard_normal_log_prob(const at::Tensor& z);

struct DiagonalGaussian {
  at::Tensor mean;     // [N, D]
  at::Tensor log_std;  // [N, D]

  /// K draws per point, [K, N, D]; `eps` (optional) receives the standard-normal noise.
  at::Tensor rsample(int64_t k, at::Generator gen, at::Tensor* eps = nullptr) const;
  /// log q(z) for z of shape [..., N, D] → [..., N].
  at::Tensor log_prob(const at::Tensor& z) const;
  /// log q at draws z = μ + σ ε given their ε (cheaper, identical value).
  at::Tensor log_prob_from_noise(const at::Tensor& eps) const;
  at::Tensor entropy() const;  // [N]
  /// KL(q ‖ N(0, I)) per latent dimension, ½(μ² + σ² − 1) − log σ, [N, D].
  at::Tensor kl_standard_normal_per_dim() const;
};

struct CholeskyGaussian {
  at::Tensor mean;        // [N, D]
  at::Tensor scale_tril;  // [N, D, D]

  at::Tensor rsample(int64_t k, at::Generator gen, at::Tensor* eps = nullptr) const;
  /// log q(z) = −½‖L⁻¹(z − μ)‖² − Σ log L_ii − (D/2) log 2π; z [..., N, D] → [..., N].
  at::Tensor log_prob(const at::Tensor& z) const;
  at::Tensor log_prob_from_noise(const at::Tensor& eps) const;
  at::Tensor entropy() const;  // [N]
  /// KL(q ‖ N(0, I)) = ½(tr LLᵀ + μᵀμ − D) − Σ log L_ii, [N].
  at::Tensor kl_standard_normal() const;
  at::Tensor covariance() const;  // L Lᵀ, [N, D, D]
};

}  // namespace elbo::amortized
