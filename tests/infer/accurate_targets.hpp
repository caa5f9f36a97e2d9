#pragma once
// Log densities over R^D with known answers for the mixture, copula,
// hierarchical and boosting tests, written directly with torch ops.
#include <torch/torch.h>

#include <cmath>

#include "elbo/model/log_density.hpp"

namespace elbo::testing {

/// ½ N(m₁, I) + ½ N(m₂, I), unnormalised: logaddexp of the two quadratics, so
/// log Z = log 2 + (D/2) log 2π.
class TwoModeDensity : public model::LogDensity {
 public:
  TwoModeDensity(at::Tensor m1, at::Tensor m2) : m1_(std::move(m1)), m2_(std::move(m2)) {}
  int64_t dim() const override { return m1_.size(0); }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
    return torch::logaddexp(-0.5 * (theta - m1_).square().sum(1), -0.5 * (theta - m2_).square().sum(1));
  }
  double log_z() const { return std::log(2.0) + 0.5 * dim() * 1.8378770664093454835606594728112; }
  const at::Tensor& m1() const { return m1_; }
  const at::Tensor& m2() const { return m2_; }

 private:
  at::Tensor m1_, m2_;
};

/// N(μ, Σ) unnormalised: −½ (θ − μ)ᵀ Σ⁻¹ (θ − μ); log Z = ½ log|2πΣ|.
class GaussianTarget : public model::LogDensity {
 public:
  GaussianTarget(at::Tensor mean, at::Tensor cov)
      : mean_(std::move(mean)), cov_(std::move(cov)), precision_(torch::inverse(cov_)) {}
  int64_t dim() const override { return mean_.size(0); }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
    auto d = theta - mean_;
    return -0.5 * (d.matmul(precision_) * d).sum(1);
  }
  const at::Tensor& mean() const { return mean_; }
  const at::Tensor& cov() const { return cov_; }

 private:
  at::Tensor mean_, cov_, precision_;
};

/// Banana: θ₁ ~ N(0, 1), θ₂ | θ₁ ~ N(b (θ₁² − 1), 1); log Z = log 2π.
class BananaDensity : public model::LogDensity {
 public:
  explicit BananaDensity(double b) : b_(b) {}
  int64_t dim() const override { return 2; }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
    auto x = theta.select(1, 0), y = theta.select(1, 1);
    return -0.5 * x.square() - 0.5 * (y - b_ * (x.square() - 1.0)).square();
  }

 private:
  double b_;
};

/// Skewed and correlated: θ₁ = log g with g ~ Gamma(2, 1) (left-skewed,
/// skewness ≈ −0.78), θ₂ | θ₁ ~ N(θ₁, 0.5²); log Z = log Γ(2) + log(0.5 √(2π)).
class SkewedDensity : public model::LogDensity {
 public:
  int64_t dim() const override { return 2; }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
    auto x = theta.select(1, 0), y = theta.select(1, 1);
    return 2.0 * x - x.exp() - 0.5 * ((y - x) / 0.5).square();
  }
  double log_z() const { return std::lgamma(2.0) + std::log(0.5) + 0.5 * 1.8378770664093454835606594728112; }
};

}  // namespace elbo::testing
