#pragma once
// Models with exact Gaussian posteriors, written directly with torch ops so the
// tests do not share code with the library's distributions or built-in models.
#include <torch/torch.h>

#include <cmath>

#include "elbo/model/model.hpp"

namespace elbo::testing {

/// x_i ~ N(θ, σ²), θ ~ N(μ0, τ0²): posterior N(μ_n, τ_n²) with
/// 1/τ_n² = 1/τ0² + n/σ², μ_n = τ_n² (μ0/τ0² + Σx/σ²).
class NormalNormal : public model::Model {
 public:
  NormalNormal(at::Tensor x, double sigma, double mu0, double tau0)
      : x_(std::move(x)), sigma_(sigma), mu0_(mu0), tau0_(tau0) {}
  std::string name() const override { return "normal_normal"; }
  std::vector<model::Latent> latents() const override { return {{"theta", {}, model::Constraint::real()}}; }
  int64_t num_data() const override { return x_.size(0); }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override {
    auto theta = z["theta"];  // [K]
    auto x = data.rows(x_);
    auto prior = -0.5 * ((theta - mu0_) / tau0_).square();
    auto lik = -0.5 * ((x.unsqueeze(0) - theta.unsqueeze(1)) / sigma_).square().sum(1);
    return prior + data.scale() * lik;
  }
  double posterior_var() const { return 1.0 / (1.0 / (tau0_ * tau0_) + x_.size(0) / (sigma_ * sigma_)); }
  double posterior_mean() const {
    return posterior_var() * (mu0_ / (tau0_ * tau0_) + x_.sum().item<double>() / (sigma_ * sigma_));
  }

 private:
  at::Tensor x_;
  double sigma_, mu0_, tau0_;
};

/// y ~ N(α + Xβ, σ²) with known σ, α ~ N(0, s_α²), β ~ N(0, s_β² I):
/// posterior N(m, S) with S⁻¹ = Λ0 + ZᵀZ/σ², m = S Zᵀy/σ², Z = [1, X].
class KnownSigmaRegression : public model::Model {
 public:
  KnownSigmaRegression(at::Tensor X, at::Tensor y, double sigma, double s_alpha, double s_beta)
      : X_(std::move(X)), y_(std::move(y)), sigma_(sigma), s_alpha_(s_alpha), s_beta_(s_beta) {}
  std::string name() const override { return "known_sigma_regression"; }
  std::vector<model::Latent> latents() const override {
    return {{"alpha", {}, model::Constraint::real()}, {"beta", {X_.size(1)}, model::Constraint::real()}};
  }
  int64_t num_data() const override { return X_.size(0); }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override {
    auto alpha = z["alpha"], beta = z["beta"];
    auto eta = alpha.unsqueeze(1) + beta.matmul(data.rows(X_).t());
    auto lik = -0.5 * ((data.rows(y_).unsqueeze(0) - eta) / sigma_).square().sum(1);
    auto prior = -0.5 * (alpha / s_alpha_).square() - 0.5 * (beta / s_beta_).square().sum(1);
    return prior + data.scale() * lik;
  }
  /// Exact posterior precision and mean in the order (alpha, beta...).
  at::Tensor posterior_precision() const {
    auto Z = torch::cat({torch::ones({X_.size(0), 1}, X_.options()), X_}, 1);
    auto prior_prec = torch::full({X_.size(1) + 1}, 1.0 / (s_beta_ * s_beta_), X_.options());
    prior_prec[0] = 1.0 / (s_alpha_ * s_alpha_);
    return torch::diag(prior_prec) + Z.t().matmul(Z) / (sigma_ * sigma_);
  }
  at::Tensor posterior_covariance() const { return torch::inverse(posterior_precision()); }
  at::Tensor posterior_mean() const {
    auto Z = torch::cat({torch::ones({X_.size(0), 1}, X_.options()), X_}, 1);
    return posterior_covariance().matmul(Z.t().matmul(y_)) / (sigma_ * sigma_);
  }

 private:
  at::Tensor X_, y_;
  double sigma_, s_alpha_, s_beta_;
};

/// A correlated regression problem: features with correlation ~0.8.
inline KnownSigmaRegression correlated_regression(int64_t n = 40) {
  auto gen = at::detail::createCPUGenerator(123);
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto u = torch::randn({n, 1}, gen, opts);
  auto X = torch::cat({u + 0.5 * torch::randn({n, 1}, gen, opts),
                       u + 0.5 * torch::randn({n, 1}, gen, opts)}, 1);
  auto y = 1.0 + X.matmul(torch::tensor({0.5, -1.0}, opts)) + torch::randn({n}, gen, opts);
  return KnownSigmaRegression(X, y, 1.0, 5.0, 1.0);
}

}  // namespace elbo::testing
