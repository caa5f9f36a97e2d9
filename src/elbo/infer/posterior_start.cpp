#include "elbo/infer/posterior_start.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/infer/pathfinder.hpp"

namespace elbo::infer {

namespace {

// L = chol(A⁻¹) from A's Cholesky factor L_A (A = L_A L_Aᵀ), or undefined
// when A is not positive definite.
at::Tensor covariance_factor(const at::Tensor& A) {
  auto [L_A, info] = torch::linalg_cholesky_ex(A);
  if (info.item<int64_t>() != 0) return {};
  auto cov = torch::cholesky_inverse(L_A);
  cov = 0.5 * (cov + cov.t());
  auto [L, info2] = torch::linalg_cholesky_ex(cov);
  if (info2.item<int64_t>() != 0) return {};
  return L;
}

struct Refined {
  at::Tensor mode, A, L;  // L undefined: A not positive definite
  int64_t steps = 0;
  double gain = 0.0;      // log p gained by the Newton steps
};

// Newton steps with the exact Hessian from the L-BFGS point. Stan's relative
// gradient test measures gᵀH⁻¹g with L-BFGS's own H⁻¹, which can be far too
// small along directions the path never explored (a raw-scale regression with
// sds from 1e-3 to 1e4 "converges" hundreds of posterior sds from its mode);
// the Newton decrement gᵀA⁻¹g with the true A cannot be fooled that way. On a
// Gaussian posterior one step lands on the mode exactly.
Refined newton_refine(const model::LogDensity& p, at::Tensor theta, double log_p) {
  const int64_t kMaxSteps = 8;
  Refined out;
  for (int64_t step = 0;; ++step) {
    auto A = -log_density_hessian(p, theta);
    if (!torch::isfinite(A).all().item<bool>()) return out;
    A = 0.5 * (A + A.t());
    auto L = covariance_factor(A);
    out.mode = theta;
    out.A = A;
    out.L = L;
    if (!L.defined() || step == kMaxSteps) return out;
    auto g = log_density_gradient(p, theta);
    // δ = A⁻¹ g = L Lᵀ g; the decrement gᵀ A⁻¹ g = ‖Lᵀ g‖².
    auto Ltg = torch::matmul(L.t(), g);
    const double decrement = Ltg.square().sum().item<double>();
    if (!std::isfinite(decrement) || decrement < 1e-10) return out;
    auto delta = torch::matmul(L, Ltg);
    double t = 1.0;
    bool moved = false;
    for (int halvings = 0; halvings < 20; ++halvings, t *= 0.5) {
      auto trial = theta + t * delta;
      const double lp = p.log_prob(trial.unsqueeze(0)).item<double>();
      if (std::isfinite(lp) && lp > log_p) {
        out.gain += lp - log_p;
        theta = trial;
        log_p = lp;
        moved = true;
        break;
      }
    }
    if (!moved) return out;
    out.steps = step + 1;
  }
}

// Without a mode (a funnel, an unbounded density, L-BFGS out of iterations),
// Pathfinder's best Gaussian along the L-BFGS path is the start: the point of
// the path where q ≈ p is best in KL, which exists whether or not a mode does.
PosteriorStart pathfinder_start(const std::shared_ptr<const model::LogDensity>& p,
                                const PosteriorStartOptions& options, const std::string& why) {
  PosteriorStart start;
  try {
    auto path_options = PathfinderOptions().num_paths(1).seed(options.pathfinder_seed);
    path_options.lbfgs().max_iterations(options.laplace.lbfgs().max_iterations());
    path_options.init(options.laplace.init().defined()
                          ? options.laplace.init().to(torch::kDouble)
                          : torch::zeros({p->dim()}, torch::kDouble));
    auto fit = pathfinder(p, path_options);
    const auto& best = fit.paths.at(static_cast<size_t>(fit.best_path));
    auto cov = 0.5 * (best.covariance + best.covariance.t());
    auto [L, info] = torch::linalg_cholesky_ex(cov);
    if (info.item<int64_t>() != 0 || !torch::isfinite(best.mean).all().item<bool>()) {
      start.message = why + "; Pathfinder's covariance is not positive definite";
      return start;
    }
    start.found = true;
    start.laplace = true;  // a Gaussian start, as Laplace's
    start.pathfinder = true;
    start.mode = best.mean;
    start.scale_tril = L;
    start.precision = torch::cholesky_inverse(L);
    start.message = fmt::format("{}; Pathfinder's best Gaussian on the L-BFGS path (iteration {}, "
                                "ELBO {:.6g})", why, best.best_iteration, best.elbo);
  } catch (const NumericalError& e) {
    start.message = why + "; Pathfinder failed too (" + e.what() + ")";
  }
  return start;
}

}  // namespace

PosteriorStart find_posterior_start(const std::shared_ptr<const model::LogDensity>& p,
                                    const PosteriorStartOptions& options) {
  PosteriorStart start;
  const int64_t D = p->dim();
  const auto dtype = torch::TensorOptions().dtype(torch::kDouble);
  LogDensityMode found;
  try {
    auto init = options.laplace.init().defined() ? options.laplace.init().to(torch::kDouble)
                                                 : torch::zeros({D}, dtype);
    found = find_mode(*p, init, options.laplace, "start");
  } catch (const NumericalError& e) {
    start.message = std::string("no start: ") + e.what();
    return start;
  }
  if (!found.converged) return pathfinder_start(p, options, "no mode: " + found.message);
  start.mode = found.mode;
  if (D <= options.hessian_max_dim) {
    try {
      auto refined = newton_refine(*p, start.mode, found.log_density);
      if (refined.L.defined()) {
        start.mode = refined.mode;
        start.found = true;
        start.laplace = true;
        start.precision = refined.A;
        start.scale_tril = refined.L;
        start.message = fmt::format(
            "mode found by L-BFGS ({} iterations, {}){}; Laplace scale", found.iterations,
            found.message,
            refined.steps > 0 ? fmt::format(", refined by {} Newton steps (log p +{:.3g})",
                                            refined.steps, refined.gain)
                              : "");
        return start;
      }
    } catch (const NumericalError&) {
      // a Hessian that cannot be computed: fall back to L-BFGS's scale below
    }
  }
  // Not positive definite, or too large to compute: the diagonal of L-BFGS's
  // inverse-Hessian estimate (the curvature it saw along its path).
  auto var = found.inverse_hessian_diagonal;
  if (!var.defined() || !torch::isfinite(var).all().item<bool>() || !(var > 0).all().item<bool>()) {
    start.message = "mode found, but no usable scale (the L-BFGS inverse-Hessian estimate is "
                    "not positive)";
    return start;
  }
  start.found = true;
  start.scale_tril = torch::diag(var.sqrt());
  start.message = fmt::format(
      "mode found by L-BFGS ({} iterations, {}); {}", found.iterations, found.message,
      D <= options.hessian_max_dim ? "the Hessian is not positive definite, so the scale is "
                                     "L-BFGS's inverse-Hessian diagonal"
                                   : "scale from L-BFGS's inverse-Hessian diagonal");
  return start;
}

}  // namespace elbo::infer
