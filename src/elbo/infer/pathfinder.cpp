#include "elbo/infer/pathfinder.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <exception>
#include <limits>
#include <utility>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/gaussian_mixture.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::infer {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

void check_options(const PathfinderOptions& o, const model::LogDensity& p) {
  check_option_positive("pathfinder", "num_paths", static_cast<double>(o.num_paths()));
  check_option_positive("pathfinder", "history_size", static_cast<double>(o.history_size()));
  check_option_positive("pathfinder", "elbo_draws", static_cast<double>(o.elbo_draws()));
  check_option_positive("pathfinder", "init_radius", o.init_radius());
  optim::check_lbfgs_options("pathfinder", o.lbfgs());
  if (o.init().defined()) {
    check_shape("pathfinder", "init", o.init(), {p.dim()});
    check_finite("pathfinder", "init", o.init());
  }
}

/// The paper's diagonal update of the initial inverse-Hessian estimate with
/// one pair (s, y) (its eq. 4, after Gilbert & Lemaréchal 1989): with
/// a = yᵀ diag(α) y, b = yᵀs, c = sᵀ diag(α)⁻¹ s,
///   α_d ← b / (a / α_d + y_d² − (a / c) s_d² / α_d²).
/// Keeps α when the update is not positive and finite.
at::Tensor update_diagonal(const at::Tensor& alpha, const at::Tensor& s, const at::Tensor& y) {
  const double a = (y * alpha * y).sum().item<double>();
  const double b = y.dot(s).item<double>();
  const double c = (s * s / alpha).sum().item<double>();
  auto next = b / (a / alpha + y.square() - (a / c) * s.square() / alpha.square());
  if (!torch::isfinite(next).all().item<bool>() || !(next > 0).all().item<bool>()) return alpha;
  return next;
}

/// A Gaussian N(μ, Σ) with Σ = diag(α) + W M Wᵀ, ready for draws and log q.
struct PathGaussian {
  at::Tensor mu;     // [D]
  optim::CompactInverseHessian sigma;
  // Factorised (2m < D): Q [D, 2m], L [2m, 2m]; dense: L [D, D].
  bool dense = false;
  at::Tensor Q, L;
  double log_det = 0.0;

  /// K draws θ [K, D] and log q(θ) [K] from base draws u [K, D].
  std::pair<at::Tensor, at::Tensor> sample(const at::Tensor& u) const {
    const int64_t D = mu.size(0);
    at::Tensor theta;
    if (dense) {
      theta = mu + u.matmul(L.t());
    } else {
      auto Qu = u.matmul(Q);  // [K, 2m]: rows Qᵀu
      auto eye = torch::eye(L.size(0), torch::kDouble);
      auto v = u + Qu.matmul((L - eye).t()).matmul(Q.t());  // (I + Q(L − I)Qᵀ) u
      theta = mu + sigma.h0.sqrt() * v;
    }
    auto log_q = -0.5 * (log_det + u.square().sum(1) + static_cast<double>(D) * kLog2Pi);
    return {theta, log_q};
  }
};

/// Builds the Gaussian at x with gradient g from the pairs; false when Σ is
/// not positive definite numerically.
bool build_gaussian(const at::Tensor& x, const at::Tensor& g, const at::Tensor& alpha,
                    const std::deque<std::pair<at::Tensor, at::Tensor>>& pairs, PathGaussian& out) {
  const int64_t D = x.size(0), m = static_cast<int64_t>(pairs.size());
  auto S = torch::empty({m, D}, torch::kDouble), Y = torch::empty({m, D}, torch::kDouble);
  for (int64_t i = 0; i < m; ++i) {
    S[i].copy_(pairs[i].first);
    Y[i].copy_(pairs[i].second);
  }
  out.sigma = optim::compact_inverse_hessian(S, Y, alpha);
  out.mu = x + out.sigma.apply(g);
  if (!torch::isfinite(out.mu).all().item<bool>()) return false;
  if (2 * m < D) {
    out.dense = false;
    auto [Q, R] = torch::linalg_qr(out.sigma.W / alpha.sqrt().unsqueeze(1), "reduced");
    auto inner = torch::eye(2 * m, torch::kDouble) + R.matmul(out.sigma.M).matmul(R.t());
    inner = 0.5 * (inner + inner.t());
    auto [L, info] = torch::linalg_cholesky_ex(inner);
    if (info.item<int64_t>() != 0) return false;
    out.Q = Q;
    out.L = L;
    out.log_det = alpha.log().sum().item<double>() + 2.0 * L.diagonal().log().sum().item<double>();
  } else {
    out.dense = true;
    auto [L, info] = torch::linalg_cholesky_ex(out.sigma.dense());
    if (info.item<int64_t>() != 0) return false;
    out.L = L;
    out.log_det = 2.0 * L.diagonal().log().sum().item<double>();
  }
  return std::isfinite(out.log_det);
}

struct PathOutcome {
  PathfinderPath path;
  at::Tensor scale_tril;  // Cholesky factor of the best Σ
  int64_t density_evaluations = 0;
};

PathOutcome run_path(const model::LogDensity& p, const PathfinderOptions& o, int64_t index) {
  PathOutcome out;
  auto& path = out.path;
  const int64_t D = p.dim();
  auto gen = make_generator(o.seed() * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(index) + 1);
  const auto dtype = torch::TensorOptions().dtype(torch::kDouble);
  at::Tensor init = o.init().defined()
                        ? o.init().detach().to(torch::kDouble).clone()
                        : (torch::rand({D}, gen, dtype) * 2.0 - 1.0) * o.init_radius();

  const auto all = p.all_data();
  auto f = [&](const at::Tensor& theta) {
    auto [log_p, grad] = p.log_prob_and_gradient(theta.detach().unsqueeze(0), all);
    return std::make_pair(log_p.squeeze(0).item<double>(), grad.squeeze(0));
  };
  optim::LbfgsResult lbfgs;
  try {
    auto lo = o.lbfgs();
    lo.history_size(o.history_size()).record_path(true);
    lbfgs = optim::lbfgs_maximize(f, init, lo);
  } catch (const std::exception& e) {
    path.failed = true;
    path.message = fmt::format("path {}: L-BFGS failed: {}", index, e.what());
    return out;
  }
  path.iterations = lbfgs.iterations;
  path.gradient_evaluations = lbfgs.evaluations;
  path.status = lbfgs.status;
  path.message = lbfgs.message;

  // ---- the Gaussian at every iterate; keep the best ELBO ----
  const int64_t J = o.history_size(), K = o.elbo_draws();
  auto alpha = torch::ones({D}, dtype);
  std::deque<std::pair<at::Tensor, at::Tensor>> pairs;
  PathGaussian best;
  double best_elbo = -std::numeric_limits<double>::infinity();
  int64_t tried = 0;
  torch::NoGradGuard no_grad;
  for (size_t l = 1; l < lbfgs.path.size(); ++l) {
    const auto& prev = lbfgs.path[l - 1];
    const auto& cur = lbfgs.path[l];
    auto s = cur.x - prev.x;
    auto y = prev.gradient - cur.gradient;  // the change of ∇(−log p)
    const double sy = s.dot(y).item<double>(), yy = y.dot(y).item<double>();
    if (sy > kEps * yy && yy > 0.0) {
      alpha = update_diagonal(alpha, s, y);
      pairs.emplace_back(s, y);
      while (static_cast<int64_t>(pairs.size()) > J) pairs.pop_front();
    }
    if (pairs.empty()) continue;
    PathGaussian q;
    if (!build_gaussian(cur.x, cur.gradient, alpha, pairs, q)) continue;
    ++tried;
    auto u = torch::randn({K, D}, gen, dtype);
    auto [theta, log_q] = q.sample(u);
    double elbo = -std::numeric_limits<double>::infinity();
    try {
      out.density_evaluations += K;
      auto log_p = p.log_prob(theta).detach().to(torch::kDouble);
      if (torch::isfinite(log_p).all().item<bool>()) elbo = (log_p - log_q).mean().item<double>();
    } catch (const std::exception&) {
      // a draw outside the support: this Gaussian's ELBO is −inf
    }
    if (std::isfinite(elbo) && elbo > best_elbo) {
      best_elbo = elbo;
      best = q;
      path.best_iteration = static_cast<int64_t>(l);
    }
  }
  if (!std::isfinite(best_elbo)) {
    path.failed = true;
    path.message = fmt::format(
        "path {}: no Gaussian with a finite ELBO among {} on the path ({} L-BFGS iterations; {})",
        index, tried, lbfgs.iterations, lbfgs.message);
    return out;
  }
  path.elbo = best_elbo;
  path.mean = best.mu;
  path.covariance = best.sigma.dense();
  auto [L, info] = torch::linalg_cholesky_ex(path.covariance);
  if (info.item<int64_t>() != 0) {
    path.failed = true;
    path.message = fmt::format("path {}: the best Gaussian's covariance is not positive definite",
                               index);
    return out;
  }
  out.scale_tril = L;
  return out;
}

}  // namespace

PathfinderResult pathfinder(std::shared_ptr<const model::LogDensity> p,
                            const PathfinderOptions& options) {
  if (!p) throw ConfigError("pathfinder: the log density is null");
  check_options(options, *p);
  const auto start = std::chrono::steady_clock::now();
  const int64_t D = p->dim();
  PathfinderResult result;
  std::vector<at::Tensor> locs, trils;
  for (int64_t i = 0; i < options.num_paths(); ++i) {
    auto outcome = run_path(*p, options, i);
    result.gradient_evaluations += outcome.path.gradient_evaluations;
    result.density_evaluations += outcome.density_evaluations;
    if (!outcome.path.failed) {
      if (result.best_path < 0 || outcome.path.elbo > result.paths[result.best_path].elbo) {
        result.best_path = static_cast<int64_t>(result.paths.size());
      }
      locs.push_back(outcome.path.mean);
      trils.push_back(outcome.scale_tril);
    }
    result.paths.push_back(std::move(outcome.path));
  }
  if (locs.empty()) {
    throw NumericalError(fmt::format("pathfinder: all {} paths failed (first: {})",
                                     options.num_paths(), result.paths.front().message));
  }
  torch::NoGradGuard no_grad;
  if (options.num_paths() == 1) {
    auto q = std::make_shared<family::FullRankGaussian>(D);
    q->loc().copy_(locs[0]);
    q->tril_raw().copy_(trils[0].tril(-1));
    q->log_diag().copy_(trils[0].diagonal().log());
    result.q = q;
  } else {
    const int64_t C = static_cast<int64_t>(locs.size());
    auto q = std::make_shared<family::GaussianMixture>(D, C);
    q->set_components(torch::stack(locs), torch::stack(trils),
                      torch::ones({C}, torch::TensorOptions().dtype(torch::kDouble)));
    result.q = q;
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace elbo::infer
