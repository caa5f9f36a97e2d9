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
  optim::check_lbfgs_options("laplace", o.lbfgs());
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
                         const optim::LbfgsOptions& options, const char* caller) {
  const auto all = p.all_data();
  auto f = [&](const at::Tensor& theta) {
    auto [log_p, grad] = p.log_prob_and_gradient(theta.detach().unsqueeze(0), all);
    return std::make_pair(log_p.squeeze(0).item<double>(), grad.squeeze(0));
  };
  optim::LbfgsResult r;
  try {
    r = optim::lbfgs_maximize(f, init.detach().to(torch::kDouble), options);
  } catch (const NumericalError& e) {
    throw NumericalError(fmt::format("{}: {}", caller, e.what()));
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", caller, e.what()));
  }
  LogDensityMode out;
  out.mode = r.x;
  out.gradient = r.gradient;
  out.log_density = r.value;
  out.iterations = r.iterations;
  out.status = r.status;
  out.converged = r.converged();
  out.message = r.message;
  out.inverse_hessian_diagonal = r.inverse_hessian_diagonal;
  return out;
}

LogDensityMode find_mode(const model::LogDensity& p, const at::Tensor& init,
                         const LaplaceOptions& options, const char* caller) {
  return find_mode(p, init, options.lbfgs(), caller);
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

  // ---- the mode: L-BFGS with Stan's convergence tests ----
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
  auto found = find_mode(*p, theta, options.lbfgs(), "laplace");
  if (found.status == optim::LbfgsStatus::unbounded) {
    throw NumericalError("laplace: no mode to approximate; " + found.message);
  }
  result.mode = found.mode;
  result.log_density_at_mode = found.log_density;
  result.iterations = found.iterations;
  result.status = found.status;
  result.converged = found.converged;
  result.inverse_hessian_diagonal = found.inverse_hessian_diagonal;
  result.gradient_norm = found.gradient.abs().max().item<double>();
  std::string message;
  if (!result.converged) {
    message = fmt::format("laplace: {}; the mode may be inaccurate", found.message);
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
