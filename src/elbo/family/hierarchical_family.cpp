#include "elbo/family/hierarchical_family.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/gaussian_constants.hpp"

namespace elbo::family {

namespace {

at::Tensor tril_from(const at::Tensor& raw, const at::Tensor& log_diag) {
  return torch::tril(raw, -1) + torch::diag(log_diag.exp());
}

/// log N(x_k; mean_k, L Lᵀ) for x [K, P], mean [K, P] or [P] → [K].
at::Tensor gaussian_log_prob(const at::Tensor& x, const at::Tensor& mean, const at::Tensor& L) {
  auto z = torch::linalg_solve_triangular(L, (x - mean).t(), /*upper=*/false);  // [P, K]
  return -0.5 * z.square().sum(0) - L.diagonal().log().sum() - 0.5 * L.size(0) * kLog2Pi;
}

/// log N(μ + L ε; μ, L Lᵀ) as a function of λ for fixed ε [K, P]: the quadratic
/// term is ‖ε‖², so only log|L| carries λ (the same function, a cheaper graph).
at::Tensor standard_log_prob(const at::Tensor& eps, const at::Tensor& log_diag_sum) {
  return -0.5 * eps.square().sum(1) - log_diag_sum - 0.5 * eps.size(1) * kLog2Pi;
}

}  // namespace

HierarchicalFamily::HierarchicalFamily(int64_t dim, HierarchicalFamilyOptions options)
    : Family(dim), options_(options) {
  check_option_positive("HierarchicalFamily", "dim", static_cast<double>(dim));
  check_positive_finite("HierarchicalFamily", "init_scale", options.init_scale());
  check_option_positive("HierarchicalFamily", "log_prob_draws",
                        static_cast<double>(options.log_prob_draws()));
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  const int64_t D = dim, P = nu_dim();
  const double half = std::log(options.init_scale() / std::sqrt(2.0));
  auto m = torch::zeros({P}, opts);
  auto log_d = torch::full({P}, half, opts);
  if (options.random_scale()) {
    m.narrow(0, D, D).fill_(half);
    log_d.narrow(0, D, D).fill_(std::log(0.1));
  }
  prior_loc = register_parameter("prior_loc", m.clone());
  prior_tril_raw = register_parameter("prior_tril_raw", torch::zeros({P, P}, opts));
  prior_log_diag = register_parameter("prior_log_diag", log_d.clone());
  if (!options.random_scale()) {
    log_sigma = register_parameter("log_sigma", torch::full({D}, half, opts));
  }
  // r starts as q(ν): it ignores θ until trained.
  reverse_loc = register_parameter("reverse_loc", m.clone());
  reverse_weight = register_parameter("reverse_weight", torch::zeros({P, D}, opts));
  reverse_tril_raw = register_parameter("reverse_tril_raw", torch::zeros({P, P}, opts));
  reverse_log_diag = register_parameter("reverse_log_diag", log_d.clone());
}

std::string HierarchicalFamily::family_name() const {
  return options_.random_scale() ? "hierarchical" : "hierarchical:mean";
}

int64_t HierarchicalFamily::nu_dim() const { return options_.random_scale() ? 2 * dim() : dim(); }

at::Tensor HierarchicalFamily::prior_scale_tril() const {
  return tril_from(prior_tril_raw, prior_log_diag);
}

at::Tensor HierarchicalFamily::reverse_scale_tril() const {
  return tril_from(reverse_tril_raw, reverse_log_diag);
}

void HierarchicalFamily::check_theta(const char* function, const at::Tensor& theta) const {
  check_dim(function, "theta", theta, 2);
  if (theta.size(1) != dim()) {
    throw DomainError(std::string(function) + ": theta has " + std::to_string(theta.size(1)) +
                      " columns, but the family has dimension " + std::to_string(dim()));
  }
}

std::pair<at::Tensor, at::Tensor> HierarchicalFamily::conditional_parameters(
    const at::Tensor& nu) const {
  const int64_t D = dim();
  auto location = nu.narrow(1, 0, D);
  auto log_scale = options_.random_scale() ? nu.narrow(1, D, D) : log_sigma;
  return {location, log_scale};
}

at::Tensor HierarchicalFamily::prior_log_prob(const at::Tensor& nu) const {
  return gaussian_log_prob(nu, prior_loc, prior_scale_tril());
}

at::Tensor HierarchicalFamily::conditional_log_prob(const at::Tensor& theta,
                                                    const at::Tensor& nu) const {
  auto [location, log_scale] = conditional_parameters(nu);
  auto z = (theta - location) * torch::exp(-log_scale);
  auto log_det = options_.random_scale() ? log_scale.sum(1) : log_scale.sum();
  return -0.5 * z.square().sum(1) - log_det - 0.5 * dim() * kLog2Pi;
}

at::Tensor HierarchicalFamily::reverse_log_prob(const at::Tensor& nu, const at::Tensor& theta) const {
  auto mean = reverse_loc + theta.matmul(reverse_weight.t());  // [K, P]
  return gaussian_log_prob(nu, mean, reverse_scale_tril());
}

AuxiliaryDraws HierarchicalFamily::rsample_auxiliary(int64_t num_draws, at::Generator gen) {
  check_option_positive("HierarchicalFamily::rsample_auxiliary", "num_draws",
                        static_cast<double>(num_draws));
  const int64_t P = nu_dim(), D = dim();
  auto opts = prior_loc.options();
  auto eps_nu = torch::randn({num_draws, P}, gen, opts);
  auto eps_theta = torch::randn({num_draws, D}, gen, opts);
  AuxiliaryDraws out;
  out.nu = prior_loc + eps_nu.matmul(prior_scale_tril().t());
  auto [location, log_scale] = conditional_parameters(out.nu);
  out.theta = location + eps_theta * log_scale.exp();
  out.log_q_nu = standard_log_prob(eps_nu, prior_log_diag.sum());
  auto log_det = options_.random_scale() ? log_scale.sum(1) : log_scale.sum();
  out.log_q_theta_given_nu = standard_log_prob(eps_theta, log_det);
  out.log_r = reverse_log_prob(out.nu, out.theta);
  return out;
}

at::Tensor HierarchicalFamily::rsample(int64_t num_draws, at::Generator gen) {
  check_option_positive("HierarchicalFamily::rsample", "num_draws", static_cast<double>(num_draws));
  const int64_t P = nu_dim(), D = dim();
  auto opts = prior_loc.options();
  auto eps_nu = torch::randn({num_draws, P}, gen, opts);
  auto eps_theta = torch::randn({num_draws, D}, gen, opts);
  auto nu = prior_loc + eps_nu.matmul(prior_scale_tril().t());
  auto [location, log_scale] = conditional_parameters(nu);
  return location + eps_theta * log_scale.exp();
}

WeightedDraws HierarchicalFamily::rsample_weighted(int64_t num_draws, at::Generator gen) {
  auto draws = rsample_auxiliary(num_draws, gen);
  WeightedDraws out;
  out.theta = draws.theta;
  out.log_q = draws.log_q_theta_given_nu + draws.log_q_nu - draws.log_r;
  out.weight = torch::full({num_draws}, 1.0 / static_cast<double>(num_draws), out.theta.options());
  return out;
}

at::Tensor HierarchicalFamily::log_prob(const at::Tensor& theta) {
  check_theta("HierarchicalFamily::log_prob", theta);
  const int64_t P = nu_dim();
  if (!options_.random_scale()) {
    // q(θ) = N(m, L Lᵀ + diag σ²) exactly.
    auto L = prior_scale_tril();
    auto cov = L.matmul(L.t()) + torch::diag(torch::exp(2.0 * log_sigma));
    return gaussian_log_prob(theta, prior_loc, torch::linalg_cholesky(cov));
  }
  // log (1/M) Σ_m q(θ|ν_m) q(ν_m) / r(ν_m|θ), ν_m ~ r(·|θ) from a fixed seed.
  const int64_t K = theta.size(0), M = options_.log_prob_draws();
  auto gen = make_generator(options_.log_prob_seed());
  auto eps = torch::randn({K * M, P}, gen, prior_loc.options());
  auto theta_rep = theta.repeat_interleave(M, 0);  // [K·M, D]
  auto mean = reverse_loc + theta_rep.matmul(reverse_weight.t());
  auto nu = mean + eps.matmul(reverse_scale_tril().t());
  auto log_r = standard_log_prob(eps, reverse_log_diag.sum());
  auto log_w = conditional_log_prob(theta_rep, nu) + prior_log_prob(nu) - log_r;
  return torch::logsumexp(log_w.view({K, M}), 1) - std::log(static_cast<double>(M));
}

at::Tensor HierarchicalFamily::log_prob_stop_gradient(const at::Tensor& theta) {
  if (options_.random_scale()) {
    throw DomainError(
        "hierarchical: the marginal log q(θ) has no closed form with random scales, so the "
        "sticking-the-landing gradient is not available; use the auxiliary bound without it "
        "(or --family hierarchical:mean)");
  }
  return Family::log_prob_stop_gradient(theta);
}

at::Tensor HierarchicalFamily::mean() {
  torch::NoGradGuard no_grad;
  return prior_loc.narrow(0, 0, dim()).clone();
}

at::Tensor HierarchicalFamily::covariance() {
  torch::NoGradGuard no_grad;
  const int64_t D = dim();
  auto L = prior_scale_tril();
  auto S = L.matmul(L.t());
  at::Tensor second_scale;  // E[σ_d²]
  if (options_.random_scale()) {
    auto m_s = prior_loc.narrow(0, D, D);
    auto v_s = S.diagonal().narrow(0, D, D);
    second_scale = torch::exp(2.0 * m_s + 2.0 * v_s);
  } else {
    second_scale = torch::exp(2.0 * log_sigma);
  }
  return S.narrow(0, 0, D).narrow(1, 0, D) + torch::diag(second_scale);
}

void HierarchicalFamily::initialize(const at::Tensor& location) {
  check_shape("HierarchicalFamily::initialize", "location", location, {dim()});
  check_finite("HierarchicalFamily::initialize", "location", location);
  torch::NoGradGuard no_grad;
  const int64_t D = dim();
  auto shift = location.to(prior_loc.options()) - prior_loc.narrow(0, 0, D);
  prior_loc.narrow(0, 0, D).add_(shift);
  // r's mean a + W θ moves with θ and ν: a += (shift, 0) − W shift.
  reverse_loc.narrow(0, 0, D).add_(shift);
  reverse_loc.sub_(reverse_weight.matmul(shift));
}

std::shared_ptr<Family> HierarchicalFamily::clone_family() const {
  auto copy = std::make_shared<HierarchicalFamily>(dim(), options_);
  torch::NoGradGuard no_grad;
  auto src = parameters();
  auto dst = copy->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  return copy;
}

}  // namespace elbo::family
