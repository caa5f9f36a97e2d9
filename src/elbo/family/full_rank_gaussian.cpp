#include "elbo/family/full_rank_gaussian.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/family/gaussian_constants.hpp"

namespace elbo::family {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// θ = μ + ε Lᵀ as one autograd node of λ = [μ | L_raw | log_diag]. With G =
/// ∂f/∂θ [K, D]: ∂f/∂μ = Σ_k G_k, ∂f/∂L = tril(Gᵀ ε); through the
/// parameterisation ∂f/∂L_raw = strict lower part of ∂f/∂L and
/// ∂f/∂log L_ii = (∂f/∂L)_ii L_ii.
struct FullRankSample : public torch::autograd::Function<FullRankSample> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& lambda, const at::Tensor& eps,
                            const at::Tensor& L) {
    const int64_t D = L.size(0);
    ctx->saved_data["eps"] = eps;
    ctx->saved_data["L"] = L;
    return at::addmm(lambda.narrow(0, 0, D), eps, L.t());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    const auto eps = ctx->saved_data["eps"].toTensor();
    const auto L = ctx->saved_data["L"].toTensor();
    const auto& G = grad_output[0];
    const int64_t D = L.size(0);
    at::Tensor grad;
    if (at::GradMode::is_enabled()) {
      // create_graph: the same formulas with differentiable ops.
      auto gL = G.t().mm(eps);
      grad = at::cat({G.sum(0), gL.tril(-1).reshape({-1}), gL.diagonal() * L.diagonal()});
    } else {
      grad = at::empty({2 * D + D * D}, G.options());
      auto g_loc = grad.narrow(0, 0, D);
      at::sum_out(g_loc, G, {0});
      auto gL = grad.narrow(0, D, D * D).view({D, D});
      at::mm_out(gL, G.t(), eps);
      auto g_log_diag = grad.narrow(0, D + D * D, D);
      at::mul_out(g_log_diag, gL.diagonal(), L.diagonal());
      gL.tril_(-1);
    }
    return {grad, at::Tensor(), at::Tensor()};
  }
};

/// log q(θ; stop_grad(λ)) = c − ½‖z‖², z = L⁻¹(θ − μ), as one autograd node of
/// θ: ∂/∂θ = −L⁻ᵀ z (one triangular solve in backward). `z` [D, K] is passed
/// in: the caller gets it from ε when θ is rsample's own output.
struct StopGradientLogProb : public torch::autograd::Function<StopGradientLogProb> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& theta, const at::Tensor& z,
                            const at::Tensor& L, const at::Tensor& log_norm) {
    ctx->saved_data["z"] = z;
    ctx->saved_data["L"] = L;
    return log_norm.sub(z.square().sum(0), 0.5);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    const auto z = ctx->saved_data["z"].toTensor();
    const auto L = ctx->saved_data["L"].toTensor();
    auto w = at::linalg_solve_triangular(L.t(), z, /*upper=*/true);  // L⁻ᵀ z [D, K]
    auto grad_theta = w.t() * grad_output[0].neg().unsqueeze(1);
    return {grad_theta, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

FullRankGaussian::FullRankGaussian(int64_t dim, double init_scale) : Family(dim) {
  check_option_positive("FullRankGaussian", "dim", static_cast<double>(dim));
  check_positive_finite("FullRankGaussian", "init_scale", init_scale);
  auto flat = torch::zeros({2 * dim + dim * dim}, torch::TensorOptions().dtype(torch::kDouble));
  flat.narrow(0, dim + dim * dim, dim).fill_(std::log(init_scale));
  lambda = register_parameter("lambda", flat);
}

at::Tensor FullRankGaussian::loc() const { return lambda.narrow(0, 0, dim()); }
at::Tensor FullRankGaussian::tril_raw() const {
  return lambda.narrow(0, dim(), dim() * dim()).view({dim(), dim()});
}
at::Tensor FullRankGaussian::log_diag() const {
  return lambda.narrow(0, dim() + dim() * dim(), dim());
}

at::Tensor FullRankGaussian::scale_tril() const {
  return torch::tril(tril_raw(), -1) + torch::diag(log_diag().exp());
}

const at::Tensor& FullRankGaussian::constant_scale_tril() {
  const auto version = static_cast<int64_t>(lambda._version());
  const void* data = lambda.data_ptr();
  if (version != cached_version_ || data != cached_data_ || !cached_L_.defined()) {
    torch::NoGradGuard no_grad;
    const int64_t D = dim();
    auto raw = lambda.detach();
    cached_L_ = raw.narrow(0, D, D * D).view({D, D}).tril(-1);
    auto log_d = raw.narrow(0, D + D * D, D);
    cached_L_.diagonal().copy_(log_d.exp());
    cached_log_norm_ = -(log_d.sum() + 0.5 * static_cast<double>(D) * kLog2Pi);
    cached_version_ = version;
    cached_data_ = data;
  }
  return cached_L_;
}

at::Tensor FullRankGaussian::rsample(int64_t num_draws, at::Generator gen) {
  auto eps = torch::randn({num_draws, dim()}, gen, lambda.options());
  const auto& L = constant_scale_tril();
  at::Tensor theta = at::GradMode::is_enabled()
                         ? FullRankSample::apply(lambda, eps, L)
                         : at::addmm(lambda.detach().narrow(0, 0, dim()), eps, L.t());
  // Remember (θ, ε) so log_prob_stop_gradient(θ) can use z = ε. The detached
  // alias keeps θ's storage alive (not its graph) and shares its version counter.
  last_theta_ = theta.detach();
  last_theta_version_ = static_cast<int64_t>(theta._version());
  last_eps_ = eps;
  last_lambda_version_ = cached_version_;
  return theta;
}

at::Tensor FullRankGaussian::log_prob(const at::Tensor& theta) {
  // z = L⁻¹(θ − μ) by one triangular solve over all K draws.
  auto diff = (theta - loc()).t();  // [D, K]
  auto z = torch::linalg_solve_triangular(scale_tril(), diff, /*upper=*/false);
  return -0.5 * z.square().sum(0) - log_diag().sum() - 0.5 * dim() * kLog2Pi;
}

at::Tensor FullRankGaussian::log_prob_stop_gradient(const at::Tensor& theta) {
  const auto& L = constant_scale_tril();  // L as a constant: no graph for λ
  // θ = μ + L ε from the last rsample under the same λ: z = L⁻¹(θ − μ) = ε.
  const bool own_draws = last_theta_.defined() && last_lambda_version_ == cached_version_ &&
                         theta.data_ptr() == last_theta_.data_ptr() &&
                         theta.sizes() == last_theta_.sizes() &&
                         theta.strides() == last_theta_.strides() &&
                         static_cast<int64_t>(theta._version()) == last_theta_version_;
  at::Tensor z;
  if (own_draws) {
    z = last_eps_.t();
  } else {
    torch::NoGradGuard no_grad;
    z = torch::linalg_solve_triangular(L, (theta - lambda.detach().narrow(0, 0, dim())).t(),
                                       /*upper=*/false);
  }
  last_theta_ = at::Tensor();  // one use: release the draws
  last_eps_ = at::Tensor();
  if (!at::GradMode::is_enabled() || !theta.requires_grad()) {
    return cached_log_norm_.sub(z.square().sum(0), 0.5);
  }
  return StopGradientLogProb::apply(theta, z, L, cached_log_norm_);
}

at::Tensor FullRankGaussian::entropy() {
  return log_diag().sum() + gaussian_entropy_constant(dim());
}

at::Tensor FullRankGaussian::mean() { return loc().detach().clone(); }

at::Tensor FullRankGaussian::covariance() {
  auto L = scale_tril().detach();
  return L.matmul(L.t());
}

void FullRankGaussian::initialize(const at::Tensor& location) {
  check_shape("FullRankGaussian::initialize", "location", location, {dim()});
  torch::NoGradGuard no_grad;
  lambda.narrow(0, 0, dim()).copy_(location);
}

void FullRankGaussian::initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) {
  const int64_t D = dim();
  check_shape("FullRankGaussian::initialize_gaussian", "mean", mean, {D});
  check_shape("FullRankGaussian::initialize_gaussian", "precision", precision, {D, D});
  torch::NoGradGuard no_grad;
  auto L = torch::linalg_cholesky(torch::cholesky_inverse(torch::linalg_cholesky(precision)));
  lambda.narrow(0, 0, D).copy_(mean);
  lambda.narrow(0, D, D * D).view({D, D}).copy_(L.tril(-1));
  lambda.narrow(0, D + D * D, D).copy_(L.diagonal().log());
}

std::shared_ptr<Family> FullRankGaussian::clone_family() const {
  auto copy = std::make_shared<FullRankGaussian>(dim());
  torch::NoGradGuard no_grad;
  copy->lambda.copy_(lambda);
  return copy;
}

}  // namespace elbo::family
