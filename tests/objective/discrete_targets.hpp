#pragma once
// Small targets with exactly computable ELBO gradients for the score-function
// and Gumbel-softmax tests, written with torch ops only (no library
// distributions). Each declares its log-joint terms for Rao–Blackwellisation.
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::testing {

/// Three binary latents z ∈ {0,1}³ with the chain-structured joint
///   log p(z) = A[z0] + B[z0, z1] + C[z1, z2]
/// (tables fixed below). Written multilinearly in z, so relaxed values in
/// [0, 1] (Gumbel-softmax) give the multilinear extension.
class BinaryChain : public model::Model {
 public:
  BinaryChain(double coupling = 1.0) {
    auto opts = torch::TensorOptions().dtype(torch::kDouble);
    A_ = torch::tensor({0.2, -0.5}, opts);
    B_ = coupling * torch::tensor({{0.3, -0.8}, {-0.4, 1.1}}, opts);
    C_ = coupling * torch::tensor({{-0.2, 0.6}, {0.9, -0.7}}, opts);
  }
  std::string name() const override { return "binary_chain"; }
  std::vector<model::Latent> latents() const override {
    return {{"z", {3}, model::Constraint::binary()}};
  }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override {
    return log_joint_terms(z, data).sum(1);
  }
  std::vector<model::TermDependencies> log_joint_term_scopes() const override {
    return {{{"z", {0}}}, {{"z", {0, 1}}}, {{"z", {1, 2}}}};
  }
  at::Tensor log_joint_terms(const model::Draws& draws, const model::Subsample&) const override {
    auto z = draws["z"];
    auto z0 = z.select(1, 0), z1 = z.select(1, 1), z2 = z.select(1, 2);
    auto unary = [](const at::Tensor& t, const at::Tensor& x) { return t[0] * (1 - x) + t[1] * x; };
    auto pair = [](const at::Tensor& t, const at::Tensor& x, const at::Tensor& y) {
      return t[0][0] * (1 - x) * (1 - y) + t[0][1] * (1 - x) * y + t[1][0] * x * (1 - y) +
             t[1][1] * x * y;
    };
    return torch::stack({unary(A_, z0), pair(B_, z0, z1), pair(C_, z1, z2)}, 1);
  }
  /// log p at every state [8, 3] (rows: z0 + 2 z1 + 4 z2).
  at::Tensor states() const {
    auto s = torch::zeros({8, 3}, torch::kDouble);
    for (int64_t i = 0; i < 8; ++i) {
      for (int64_t d = 0; d < 3; ++d) s[i][d] = static_cast<double>((i >> d) & 1);
    }
    return s;
  }

 private:
  at::Tensor A_, B_, C_;
};

/// The exact mean-field ELBO of BinaryChain under Bernoulli logits l (differentiable):
///   L(l) = Σ_z q(z) (log p(z) − log q(z)).
inline at::Tensor binary_chain_elbo(const BinaryChain& model, const at::Tensor& logits) {
  auto s = model.states();
  model::Draws draws;
  draws.set("z", s);
  auto log_p = model.log_joint(draws, model::Subsample::all(1));
  auto log_q = (s * logits - torch::softplus(logits)).sum(1);
  return (log_q.exp() * (log_p - log_q)).sum();
}

/// D independent Gaussian means with data, plus a coupling −c θ0 θ1:
///   θ_d ~ N(m0, s0²), x_{d,i} ~ N(θ_d, σ²) (i < n), log p += −c θ0 θ1.
/// Terms: one per coordinate (prior + likelihood), one for the coupling.
class CoupledNormals : public model::Model {
 public:
  CoupledNormals(int64_t dim, double coupling) : dim_(dim), c_(coupling) {
    auto gen = at::detail::createCPUGenerator(7);
    x_ = 1.0 + torch::randn({dim, n_}, gen, torch::kDouble);
  }
  std::string name() const override { return "coupled_normals"; }
  std::vector<model::Latent> latents() const override { return {{"theta", {dim_}}}; }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override {
    return log_joint_terms(z, data).sum(1);
  }
  std::vector<model::TermDependencies> log_joint_term_scopes() const override {
    std::vector<model::TermDependencies> out;
    for (int64_t d = 0; d < dim_; ++d) out.push_back({{"theta", {d}}});
    out.push_back({{"theta", {0, 1}}});
    return out;
  }
  at::Tensor log_joint_terms(const model::Draws& draws, const model::Subsample&) const override {
    auto theta = draws["theta"];  // [K, D]
    auto prior = -0.5 * ((theta - m0_) / s0_).square();
    auto lik = -0.5 * ((x_.unsqueeze(0) - theta.unsqueeze(2)) / sigma_).square().sum(2);
    auto coupling = -c_ * theta.select(1, 0) * theta.select(1, 1);
    return torch::cat({prior + lik, coupling.unsqueeze(1)}, 1);
  }
  /// Exact ∇ of the mean-field ELBO in (μ, ω), σ_d = e^ω_d:
  ///   ∂μ_d = −(μ_d − m0)/s0² + Σ_i (x_di − μ_d)/σ² − c μ_other (d ∈ {0, 1}),
  ///   ∂ω_d = −σ_d² (1/s0² + n/σ²) + 1.
  at::Tensor exact_gradient(const at::Tensor& mu, const at::Tensor& omega) const {
    auto g_mu = -(mu - m0_) / (s0_ * s0_) + (x_ - mu.unsqueeze(1)).sum(1) / (sigma_ * sigma_);
    g_mu[0] -= c_ * mu[1];
    g_mu[1] -= c_ * mu[0];
    auto g_omega = -(2 * omega).exp() * (1 / (s0_ * s0_) + n_ / (sigma_ * sigma_)) + 1;
    return torch::cat({g_mu, g_omega});
  }

 private:
  int64_t dim_;
  double c_;
  int64_t n_ = 3;
  double m0_ = 0.5, s0_ = 2.0, sigma_ = 1.5;
  at::Tensor x_;
};

/// A one-point mixture with an explicit one-hot assignment z ∈ {e_1..e_3}
/// and a real location θ:
///   log p = Σ_c z_c (log π_c − ½ (θ − m_c)²) − ½ (x − θ)²   (+ const).
/// Terms: the assignment term (reads z and θ), the likelihood (reads θ).
class TinyMixture : public model::Model {
 public:
  TinyMixture() {
    auto opts = torch::TensorOptions().dtype(torch::kDouble);
    log_pi_ = torch::log(torch::tensor({0.2, 0.5, 0.3}, opts));
    m_ = torch::tensor({-1.5, 0.0, 2.0}, opts);
  }
  std::string name() const override { return "tiny_mixture"; }
  std::vector<model::Latent> latents() const override {
    return {{"theta", {}}, {"z", {3}, model::Constraint::one_hot()}};
  }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override {
    return log_joint_terms(z, data).sum(1);
  }
  std::vector<model::TermDependencies> log_joint_term_scopes() const override {
    return {{{"z", {}}, {"theta", {}}}, {{"theta", {}}}};
  }
  at::Tensor log_joint_terms(const model::Draws& draws, const model::Subsample&) const override {
    auto theta = draws["theta"], z = draws["z"];  // [K], [K, 3]
    auto assign = (z * (log_pi_ - 0.5 * (theta.unsqueeze(1) - m_).square())).sum(1);
    auto lik = -0.5 * (x_ - theta).square();
    return torch::stack({assign, lik}, 1);
  }
  /// Exact ELBO for q = N(μ, e^{2ω}) × Cat(softmax(l)) (differentiable):
  /// E(θ − a)² = (μ − a)² + σ².
  at::Tensor exact_elbo(const at::Tensor& mu, const at::Tensor& omega, const at::Tensor& logits) const {
    auto var = (2 * omega).exp();
    auto probs = logits.softmax(0);
    auto e_assign = (probs * (log_pi_ - 0.5 * ((mu - m_).square() + var))).sum();
    auto e_lik = -0.5 * ((x_ - mu).square() + var);
    auto h_theta = omega + 0.5 * (1 + std::log(2 * M_PI));
    auto h_z = -(probs * logits.log_softmax(0)).sum();
    return (e_assign + e_lik + h_theta + h_z).squeeze();
  }

 private:
  at::Tensor log_pi_, m_;
  double x_ = 0.7;
};

/// D independent binary latents with unary potentials a_d:
///   log p(z) = Σ_d a_d z_d, one term per latent.
class IndependentBinary : public model::Model {
 public:
  explicit IndependentBinary(int64_t dim) : dim_(dim) {
    a_ = torch::linspace(-1.5, 1.5, dim, torch::kDouble);
  }
  std::string name() const override { return "independent_binary"; }
  std::vector<model::Latent> latents() const override {
    return {{"z", {dim_}, model::Constraint::binary()}};
  }
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override {
    return log_joint_terms(z, data).sum(1);
  }
  std::vector<model::TermDependencies> log_joint_term_scopes() const override {
    std::vector<model::TermDependencies> out;
    for (int64_t d = 0; d < dim_; ++d) out.push_back({{"z", {d}}});
    return out;
  }
  at::Tensor log_joint_terms(const model::Draws& draws, const model::Subsample&) const override {
    return draws["z"] * a_;
  }

 private:
  int64_t dim_;
  at::Tensor a_;
};

}  // namespace elbo::testing
