#pragma once
// Targets with a closed-form evidence for the bound tests, written with torch
// ops directly (no library distributions).
//
// NormalNormal2: θ ∈ R², θ ~ N(μ0, Σ0), x_i ~ N(θ, Σx), i = 1..n, with every
// normalising constant, so log p(x) is the marginal likelihood:
//   vec(x) ~ N(1_n ⊗ μ0, I_n ⊗ Σx + 1_n 1_nᵀ ⊗ Σ0)      (evaluated directly),
//   p(θ | x) = N(m, Λ⁻¹),  Λ = Σ0⁻¹ + n Σx⁻¹,  m = Λ⁻¹(Σ0⁻¹ μ0 + Σx⁻¹ Σ_i x_i).
#include <torch/torch.h>

#include <cmath>
#include <memory>

#include "elbo/core/random.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/model/log_density.hpp"

namespace elbo::testing {

constexpr double kLog2PiBounds = 1.8378770664093454835606594728112;

/// log N(v; mean, cov) for rows v [K, d], by Cholesky.
inline at::Tensor mvn_log_density(const at::Tensor& v, const at::Tensor& mean, const at::Tensor& cov) {
  auto L = torch::linalg_cholesky(cov);
  auto diff = (v - mean).t();  // [d, K]
  auto z = torch::linalg_solve_triangular(L, diff, /*upper=*/false);
  const double d = static_cast<double>(cov.size(0));
  return -0.5 * z.square().sum(0) - L.diagonal().log().sum() - 0.5 * d * kLog2PiBounds;
}

class NormalNormal2 : public model::LogDensity {
 public:
  explicit NormalNormal2(int64_t n = 6, uint64_t seed = 11) {
    auto opts = torch::TensorOptions().dtype(torch::kDouble);
    mu0_ = torch::tensor({0.5, -1.0}, opts);
    sigma0_ = torch::tensor({{2.0, 0.6}, {0.6, 1.0}}, opts);
    sigmax_ = torch::tensor({{1.0, -0.3}, {-0.3, 0.5}}, opts);
    auto gen = make_generator(seed);
    x_ = torch::tensor({1.0, 0.0}, opts) + torch::randn({n, 2}, gen, opts);
  }
  int64_t dim() const override { return 2; }
  int64_t num_data() const override { return x_.size(0); }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample& data) const override {
    return log_prior(theta) + data.scale() * log_likelihood(theta, data);
  }
  at::Tensor log_prior(const at::Tensor& theta) const { return mvn_log_density(theta, mu0_, sigma0_); }
  /// Σ_{i in data} log N(x_i; θ, Σx), unscaled: [K].
  at::Tensor log_likelihood(const at::Tensor& theta, const model::Subsample& data) const {
    auto x = data.rows(x_);  // [S, 2]
    auto L = torch::linalg_cholesky(sigmax_);
    auto diff = x.unsqueeze(0) - theta.unsqueeze(1);  // [K, S, 2]
    auto z = torch::linalg_solve_triangular(L, diff.reshape({-1, 2}).t(), false);  // [2, K·S]
    auto quad = z.square().sum(0).reshape({theta.size(0), x.size(0)});
    const double c = -L.diagonal().log().sum().item<double>() - kLog2PiBounds;
    return (-0.5 * quad + c).sum(1);
  }
  at::Tensor posterior_precision() const {
    return torch::inverse(sigma0_) + static_cast<double>(x_.size(0)) * torch::inverse(sigmax_);
  }
  at::Tensor posterior_covariance() const { return torch::inverse(posterior_precision()); }
  at::Tensor posterior_mean() const {
    auto b = torch::inverse(sigma0_).matmul(mu0_) + torch::inverse(sigmax_).matmul(x_.sum(0));
    return posterior_covariance().matmul(b);
  }
  /// log p(x) from the stacked 2n-vector's Gaussian.
  double log_evidence() const {
    const int64_t n = x_.size(0);
    auto opts = x_.options();
    auto cov = torch::kron(torch::eye(n, opts), sigmax_) + torch::kron(torch::ones({n, n}, opts), sigma0_);
    auto mean = mu0_.repeat({n});
    return mvn_log_density(x_.reshape({1, -1}), mean, cov).item<double>();
  }

 private:
  at::Tensor mu0_, sigma0_, sigmax_, x_;
};

/// A full-rank Gaussian family set to N(mean, cov).
inline std::shared_ptr<family::FullRankGaussian> full_rank_at(const at::Tensor& mean, const at::Tensor& cov) {
  auto q = std::make_shared<family::FullRankGaussian>(mean.size(0));
  auto L = torch::linalg_cholesky(cov);
  torch::NoGradGuard no_grad;
  q->loc().copy_(mean);
  q->tril_raw().copy_(L.tril(-1));
  q->log_diag().copy_(L.diagonal().log());
  return q;
}

/// A mean-field Gaussian with the given means and standard deviations.
inline std::shared_ptr<family::MeanFieldGaussian> mean_field_at(const at::Tensor& mean, const at::Tensor& sd) {
  auto q = std::make_shared<family::MeanFieldGaussian>(mean.size(0));
  torch::NoGradGuard no_grad;
  q->loc.copy_(mean);
  q->log_scale.copy_(sd.log());
  return q;
}

/// A mean-field Gaussian that hands out weighted draws (as flows and mixtures
/// do) with fixed, non-uniform weights, to test the objectives' weighted path.
class WeightedMeanField : public family::MeanFieldGaussian {
 public:
  using MeanFieldGaussian::MeanFieldGaussian;
  bool prefers_weighted_draws() const override { return true; }
  family::WeightedDraws rsample_weighted(int64_t num_draws, at::Generator gen) override {
    family::WeightedDraws out;
    out.theta = rsample(num_draws, gen);
    out.log_q = log_prob(out.theta);
    out.weight = torch::softmax(torch::linspace(-1.0, 1.0, num_draws, out.theta.options()), 0);
    return out;
  }
};

}  // namespace elbo::testing
