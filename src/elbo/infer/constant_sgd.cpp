#include "elbo/infer/constant_sgd.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/infer/laplace.hpp"

namespace elbo::infer {

namespace {

constexpr const char* kName = "constant_sgd";

// ∇_θ log p(θ) on `data`, θ [D] → [D] (closed form when the model has one).
at::Tensor grad_log_p(const model::LogDensity& p, const at::Tensor& theta, const model::Subsample& data) {
  return p.log_prob_and_gradient(theta.detach().unsqueeze(0), data).gradient.squeeze(0);
}

model::Subsample minibatch(int64_t N, int64_t S, at::Generator& gen) {
  return model::Subsample::of(torch::randint(N, {S}, gen, torch::kLong), N);
}

}  // namespace

double optimal_constant_step(int64_t batch_size, int64_t num_data, const at::Tensor& noise_covariance) {
  check_option_positive(kName, "batch_size", static_cast<double>(batch_size));
  check_option_positive(kName, "num_data", static_cast<double>(num_data));
  check_dim(kName, "noise_covariance", noise_covariance, 2);
  const double trace = noise_covariance.trace().item<double>();
  if (!(trace > 0.0) || !std::isfinite(trace)) {
    throw NumericalError(fmt::format(
        "{}: the minibatch gradient noise has trace {}, so the step rule 2(S/N)D/tr(BBᵀ) is undefined "
        "(does the likelihood depend on θ?)",
        kName, trace));
  }
  const double D = static_cast<double>(noise_covariance.size(0));
  return 2.0 * (static_cast<double>(batch_size) / static_cast<double>(num_data)) * D / trace;
}

ConstantSgdResult constant_sgd(std::shared_ptr<const model::LogDensity> p, const ConstantSgdOptions& o) {
  const auto start_time = std::chrono::steady_clock::now();
  if (!p) throw ConfigError("constant_sgd: the log density is null");
  const int64_t N = p->num_data(), D = p->dim(), S = o.batch_size();
  if (N <= 0) {
    throw ConfigError("constant_sgd: the model has no subsampled data (num_data = 0); constant-SGD needs "
                      "minibatch gradient noise");
  }
  check_option_positive(kName, "batch_size", static_cast<double>(S));
  if (S >= N) {
    throw ConfigError(fmt::format("constant_sgd: batch_size is {}, but must be less than the {} data points "
                                  "(full-batch gradients have no noise to sample with)",
                                  S, N));
  }
  check_option_positive(kName, "num_draws", static_cast<double>(o.num_draws()));
  check_option_positive(kName, "thin", static_cast<double>(o.thin()));
  check_option_positive(kName, "map_iterations", static_cast<double>(o.map_iterations()));
  if (o.burn_in() < 0) {
    throw ConfigError(check_message(kName, "burn_in", -1, static_cast<double>(o.burn_in()), "nonnegative"));
  }
  if (!(o.step_size() >= 0.0 && std::isfinite(o.step_size()))) {
    throw ConfigError(check_message(kName, "step_size", -1, o.step_size(), "nonnegative and finite (0: ε*)"));
  }
  if (o.noise_batches() < 0 || o.noise_batches() == 1) {
    throw ConfigError(check_message(kName, "noise_batches", -1, static_cast<double>(o.noise_batches()),
                                    "0 (automatic) or at least 2"));
  }
  if (o.precondition() && o.noise_batches() > 0 && o.noise_batches() <= D) {
    throw ConfigError(fmt::format("constant_sgd: noise_batches is {}, but preconditioning needs more than the "
                                  "dimension {} to estimate an invertible noise covariance",
                                  o.noise_batches(), D));
  }
  const auto dtype = torch::TensorOptions().dtype(torch::kDouble);
  at::Tensor theta = torch::zeros({D}, dtype);
  if (o.init().defined()) {
    check_shape(kName, "init", o.init(), {D});
    check_finite(kName, "init", o.init());
    theta = o.init().detach().to(torch::kDouble).clone();
  }
  {
    torch::NoGradGuard no_grad;
    const double lp0 = p->log_prob(theta.unsqueeze(0)).item<double>();
    if (!std::isfinite(lp0)) {
      throw NumericalError(fmt::format("{}: log p is {} at the initial point; choose another init", kName, lp0));
    }
  }
  if (o.find_map()) {
    // Stan's tests, with the relative tolerances near round-off: the start is the MAP itself.
    theta = find_mode(*p, theta,
                      optim::LbfgsOptions().max_iterations(o.map_iterations()).tol_rel_grad(1e2).tol_rel_obj(1.0),
                      kName)
                .mode;
  }

  ConstantSgdResult result;
  result.start = theta.clone();
  auto gen = make_generator(o.seed());

  // ---- B Bᵀ = S · Cov(ĝ_S) at the start, ĝ_S = −∇log p̂_S / N ----
  const int64_t R = o.noise_batches() > 0 ? o.noise_batches()
                                          : (o.precondition() ? std::max<int64_t>(100, 10 * D) : 100);
  auto grads = torch::empty({R, D}, dtype);
  for (int64_t r = 0; r < R; ++r) grads[r].copy_(grad_log_p(*p, theta, minibatch(N, S, gen)));
  if (!torch::isfinite(grads).all().item<bool>()) {
    throw NumericalError("constant_sgd: a minibatch gradient of log p is not finite at the start point");
  }
  auto centred = grads - grads.mean(0);
  auto cov_g = centred.t().matmul(centred) / static_cast<double>(R - 1);  // Cov(∇log p̂_S)
  result.noise_covariance = static_cast<double>(S) * cov_g / static_cast<double>(N * N);
  result.noise_covariance = 0.5 * (result.noise_covariance + result.noise_covariance.t());

  const double eps = o.step_size() > 0.0 ? o.step_size() : optimal_constant_step(S, N, result.noise_covariance);
  result.step_size = eps;
  if (o.precondition()) {
    auto chol = torch::linalg_cholesky_ex(result.noise_covariance);
    if (std::get<1>(chol).item<int64_t>() != 0) {
      throw NumericalError(
          "constant_sgd: the estimated gradient-noise covariance BBᵀ is not positive definite, so the "
          "preconditioner (BBᵀ)⁻¹ is undefined (a direction the minibatch noise does not reach); use the "
          "scalar step or more noise_batches");
    }
    auto inverse = torch::cholesky_inverse(std::get<0>(chol));
    result.preconditioner = (2.0 * static_cast<double>(S) / (eps * static_cast<double>(N))) *
                            0.5 * (inverse + inverse.t());
  } else {
    result.preconditioner = torch::eye(D, dtype);
  }
  // θ ← θ − ε H ĝ_S = θ + (ε/N) H ∇log p̂_S.
  const auto step_matrix = (eps / static_cast<double>(N)) * result.preconditioner;

  // ---- sampling ----
  result.draws = torch::empty({o.num_draws(), D}, dtype);
  const int64_t total = o.burn_in() + o.num_draws() * o.thin();
  int64_t kept = 0;
  for (int64_t t = 0; t < total; ++t) {
    auto g = grad_log_p(*p, theta, minibatch(N, S, gen));
    if (!std::isfinite(g.sum().item<double>())) {
      throw NumericalError(fmt::format(
          "constant_sgd: the minibatch gradient of log p is not finite at iteration {} (step ε = {:.3g}); "
          "the iterates diverged — try a smaller step_size",
          t, eps));
    }
    theta = o.precondition() ? theta + step_matrix.matmul(g) : theta + (eps / static_cast<double>(N)) * g;
    const int64_t after = t + 1 - o.burn_in();
    if (after > 0 && after % o.thin() == 0) result.draws[kept++].copy_(theta);
  }
  result.iterations = total;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return result;
}

}  // namespace elbo::infer
