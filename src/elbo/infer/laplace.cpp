#include "elbo/infer/laplace.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::infer {

namespace {

void check_options(const LaplaceOptions& o, int64_t dim) {
  check_option_positive("laplace", "max_iterations", static_cast<double>(o.max_iterations()));
  check_option_positive("laplace", "tolerance", o.tolerance());
  check_option_positive("laplace", "history_size", static_cast<double>(o.history_size()));
  check_option_positive("laplace", "initial_jitter", o.initial_jitter());
  check_option_positive("laplace", "max_jitter_attempts",
                        static_cast<double>(o.max_jitter_attempts()));
  if (o.init().defined()) {
    check_shape("laplace", "init", o.init(), {dim});
    check_finite("laplace", "init", o.init());
  }
}

/// log p at θ [D] as a scalar tensor (θ is fed as a batch of one draw).
at::Tensor log_prob_at(const model::LogDensity& p, const at::Tensor& theta) {
  return p.log_prob(theta.unsqueeze(0)).squeeze(0);
}

}  // namespace

at::Tensor log_density_gradient(const model::LogDensity& p, const at::Tensor& theta) {
  check_shape("log_density_gradient", "theta", theta, {p.dim()});
  return p.log_prob_and_gradient(theta.detach().unsqueeze(0), p.all_data()).gradient.squeeze(0);
}

LogDensityMode find_mode(const model::LogDensity& p, const at::Tensor& init,
                         int64_t max_iterations, double tolerance, int64_t history_size,
                         const char* caller) {
  auto theta = init.detach().clone().requires_grad_(true);
  torch::optim::LBFGS lbfgs({theta}, torch::optim::LBFGSOptions(1.0)
                                         .max_iter(max_iterations)
                                         .max_eval(max_iterations * 5 / 4 + 1)
                                         .tolerance_grad(tolerance)
                                         .tolerance_change(std::numeric_limits<double>::min())
                                         .history_size(history_size)
                                         .line_search_fn("strong_wolfe"));
  // −log p and its gradient, set by hand: no graph when the model has a closed form.
  const auto all = p.all_data();
  auto closure = [&]() {
    auto [log_p, grad] = p.log_prob_and_gradient(theta.detach().unsqueeze(0), all);
    theta.mutable_grad() = -grad.squeeze(0);
    return -log_p.squeeze(0);
  };
  lbfgs.step(closure);
  LogDensityMode out;
  for (const auto& entry : lbfgs.state()) {
    out.iterations = static_cast<const torch::optim::LBFGSParamState&>(*entry.second).n_iter();
  }
  out.mode = theta.detach().clone();
  torch::NoGradGuard no_grad;
  out.log_density = log_prob_at(p, out.mode).item<double>();
  if (!std::isfinite(out.log_density)) {
    throw NumericalError(
        fmt::format("{}: log p is {} at the point L-BFGS returned", caller, out.log_density));
  }
  return out;
}

at::Tensor log_density_hessian(const model::LogDensity& p, const at::Tensor& theta) {
  check_shape("log_density_hessian", "theta", theta, {p.dim()});
  return p.hessian(theta);
}

LaplaceResult laplace(std::shared_ptr<const model::LogDensity> p, const LaplaceOptions& options) {
  if (!p) throw ConfigError("laplace: the log density is null");
  const int64_t D = p->dim();
  check_options(options, D);
  const auto dtype = torch::TensorOptions().dtype(torch::kDouble);
  LaplaceResult result;

  // ---- the mode: minimise −log p by L-BFGS with a strong-Wolfe line search ----
  auto theta = options.init().defined() ? options.init().detach().to(torch::kDouble).clone()
                                        : torch::zeros({D}, dtype);
  {
    torch::NoGradGuard no_grad;
    const double lp0 = log_prob_at(*p, theta).item<double>();
    if (!std::isfinite(lp0)) {
      throw NumericalError(fmt::format(
          "laplace: log p is {} at the initial point; choose another init", lp0));
    }
  }
  auto found = find_mode(*p, theta, options.max_iterations(), options.tolerance(),
                         options.history_size(), "laplace");
  result.mode = found.mode;
  result.log_density_at_mode = found.log_density;
  result.iterations = found.iterations;
  result.gradient_norm = log_density_gradient(*p, result.mode).abs().max().item<double>();
  result.converged = result.gradient_norm <= options.tolerance();
  std::string message;
  if (!result.converged) {
    message = fmt::format(
        "laplace: L-BFGS stopped after {} iterations with max |∇log p| = {:.3g} > tolerance {:.3g}; "
        "the mode may be inaccurate",
        result.iterations, result.gradient_norm, options.tolerance());
  }

  // ---- the precision A = −∇²log p(θ̂) and its Cholesky factor ----
  auto A = -log_density_hessian(*p, result.mode);
  if (!torch::isfinite(A).all().item<bool>()) {
    throw NumericalError("laplace: the Hessian of log p at the mode is not finite");
  }
  result.min_eigenvalue = torch::linalg_eigvalsh(A).min().item<double>();
  auto eye = torch::eye(D, dtype);
  auto chol = torch::linalg_cholesky_ex(A);
  auto L_A = std::get<0>(chol);
  bool ok = std::get<1>(chol).item<int64_t>() == 0;
  if (!ok) {
    const auto not_pd = fmt::format(
        "laplace: the negative Hessian of log p at the mode is not positive definite (smallest "
        "eigenvalue {:.6g}); the mode may be a saddle point, or the posterior flat or improper "
        "in some direction",
        result.min_eigenvalue);
    if (options.non_positive_definite() == NonPositiveDefinite::fail) throw NumericalError(not_pd);
    const double base = std::max(1.0, A.diagonal().abs().max().item<double>());
    double jitter = options.initial_jitter() * base;
    for (int64_t attempt = 0; attempt < options.max_jitter_attempts() && !ok; ++attempt) {
      chol = torch::linalg_cholesky_ex(A + jitter * eye);
      ok = std::get<1>(chol).item<int64_t>() == 0;
      if (ok) {
        L_A = std::get<0>(chol);
        result.jitter = jitter;
      } else {
        jitter *= 10.0;
      }
    }
    if (!ok) {
      throw NumericalError(fmt::format("{}; no jitter up to {:.3g} made it positive definite",
                                       not_pd, jitter / 10.0));
    }
    result.jittered = true;
    A = A + result.jitter * eye;
    message += (message.empty() ? "" : "; ") +
               fmt::format("{}; added jitter {:.3g} to its diagonal", not_pd, result.jitter);
  }
  result.precision = A;
  result.covariance = torch::cholesky_inverse(L_A);
  result.covariance = 0.5 * (result.covariance + result.covariance.t());
  result.scale_tril = torch::linalg_cholesky(result.covariance);
  result.message = std::move(message);

  // ---- q = N(θ̂, A⁻¹) as a full-rank Gaussian family ----
  result.q = std::make_shared<family::FullRankGaussian>(D);
  {
    torch::NoGradGuard no_grad;
    result.q->loc().copy_(result.mode);
    result.q->tril_raw().copy_(result.scale_tril.tril(-1));
    result.q->log_diag().copy_(result.scale_tril.diagonal().log());
  }
  return result;
}

}  // namespace elbo::infer
