#pragma once
// L-BFGS maximisation of a log density (Nocedal 1980; Liu & Nocedal 1989;
// Nocedal & Wright 2006, Alg. 7.4–7.5) with Stan's convergence tests
// (`optimize` / `pathfinder`: absolute and relative change of the objective,
// gradient norm, relative gradient gᵀH⁻¹g / max(|f|, 1) with the L-BFGS
// inverse-Hessian estimate H⁻¹, parameter change), so that no absolute
// gradient scale decides convergence: a posterior whose sds span 1e-3…1e4
// converges where max |∇| ≤ 1e-6 would not.
//
// Line search: strong Wolfe conditions (c1 = 1e-4, c2 = 0.9) by bracketing and
// zoom with safeguarded cubic interpolation (Nocedal & Wright Alg. 3.5–3.6).
// A trial point whose log p is −inf / NaN, whose gradient is not finite, or
// whose evaluation throws is treated as "too far": the step is shrunk towards
// the last good one. The first iteration steps init_alpha along ∇log p; later
// ones try the quasi-Newton step (α = 1) first. Pairs with sᵀy ≤ ε·yᵀy are
// skipped. The two-loop recursion starts from H0 = diag(α), the diagonal
// estimate that Gilbert & Lemaréchal's update (1989; M1QN3, and Pathfinder's
// eq. 4) refines with every kept pair, instead of Stan's γI (γ = sᵀy / yᵀy of
// the newest pair): with sds from 1e-3 to 1e4 (curvatures 14 orders apart) γI
// carries only the newest pair's scale, H⁻¹ underestimates the variance of
// directions the last J pairs did not explore by up to 1e14, and Stan's
// relative-gradient test gᵀH⁻¹g then fires 13 nats below the mode. For the
// same reason a test that passes is confirmed by one more iteration along a
// truncated-Newton direction (≤ 2·history + 2 conjugate-gradient steps on
// finite-difference Hessian-vector products, one gradient each): on
// posteriordb's kilpisjarvi (raw calendar years, corr(α, β) ≈ −0.9999) the
// L-BFGS pairs never explore the valley, every Stan test passes 2.15 nats
// below the mode, and the probe finds the rest. Convergence is the second
// pass (or a probe that finds no step at all). The tests on Δlog p, ‖∇‖ and
// ‖Δx‖ count only when the predicted gain gᵀH⁻¹g / max(|f|, 1) is also below
// 1e3 · tol_rel_grad · ε.
//
// No mode: `unbounded` is reported when log p grows without bound — the line
// search finds log p still rising at a step of 1e10 · max(1, ‖x‖) (an improper
// flat direction, a ray to +∞); or the run ends (iteration limit, failed line
// search) with log p = +inf at a trial point or above 1e300; or it ends after
// at least 1000 iterations with log p still rising at an undiminished rate as
// the point runs away (a funnel whose log p → +∞; shorter windows mistake a far
// mode reached in bursts for this). `max_iterations` is "not converged"
// without that evidence.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace elbo::optim {

struct LbfgsOptions {
  TORCH_ARG(int64_t, max_iterations) = 2000;
  /// Number of (s, y) pairs kept (Stan: history_size 5).
  TORCH_ARG(int64_t, history_size) = 5;
  /// Step length of the first line search along ∇log p (Stan: init_alpha).
  TORCH_ARG(double, init_alpha) = 1e-3;
  /// |f_k − f_{k−1}| < tol_obj.
  TORCH_ARG(double, tol_obj) = 1e-12;
  /// |f_k − f_{k−1}| / max(|f_k|, |f_{k−1}|, 1) < tol_rel_obj · ε.
  TORCH_ARG(double, tol_rel_obj) = 1e4;
  /// ‖∇log p‖ < tol_grad.
  TORCH_ARG(double, tol_grad) = 1e-8;
  /// gᵀ H⁻¹ g / max(|f_k|, 1) < tol_rel_grad · ε.
  TORCH_ARG(double, tol_rel_grad) = 1e7;
  /// ‖x_k − x_{k−1}‖ < tol_param.
  TORCH_ARG(double, tol_param) = 1e-8;
  /// Density evaluations per line search at most.
  TORCH_ARG(int64_t, max_line_search_evaluations) = 60;
  /// Keep every iterate (x, ∇log p, log p) in LbfgsResult::path (Pathfinder).
  TORCH_ARG(bool, record_path) = false;
};

enum class LbfgsStatus {
  objective,           // converged: absolute change of log p below tol_obj
  relative_objective,  // converged: relative change below tol_rel_obj · ε
  gradient,            // converged: ‖∇log p‖ below tol_grad
  relative_gradient,   // converged: gᵀH⁻¹g / max(|f|, 1) below tol_rel_grad · ε
  parameter,           // converged: ‖Δx‖ below tol_param
  max_iterations,      // not converged: iteration limit
  line_search_failed,  // not converged: no step satisfied the line search
  unbounded,           // no mode: log p grows without bound
};

/// "relative_gradient", "unbounded", …
std::string to_string(LbfgsStatus status);

/// One iterate on the path (iterate 0 is the start).
struct LbfgsIterate {
  at::Tensor x;         // [D]
  at::Tensor gradient;  // ∇log p(x) [D]
  double value = 0.0;   // log p(x)
};

struct LbfgsResult {
  at::Tensor x;         // the last accepted iterate [D] (double)
  at::Tensor gradient;  // ∇log p there [D]
  double value = 0.0;   // log p there
  int64_t iterations = 0;
  int64_t evaluations = 0;  // calls of f (including the start)
  LbfgsStatus status = LbfgsStatus::max_iterations;
  /// One of Stan's convergence tests passed.
  bool converged() const { return static_cast<int>(status) <= static_cast<int>(LbfgsStatus::parameter); }
  /// What ended the run, in a sentence.
  std::string message;
  /// The diagonal of the final L-BFGS inverse-Hessian estimate (≈ the
  /// posterior variances near a mode) [D].
  at::Tensor inverse_hessian_diagonal;
  /// Every accepted iterate, the start first (only with record_path). The
  /// (s, y) pairs are the differences of consecutive iterates.
  std::vector<LbfgsIterate> path;
};

/// log p(x) and ∇log p(x) [D] at x [D] (double). May return a non-finite
/// value or throw at points outside the support; the line search steps back.
using LogDensityAndGradient = std::function<std::pair<double, at::Tensor>(const at::Tensor&)>;

/// Called after every accepted iterate with the iteration number (1, 2, …), the
/// iterate and log p there: where a long run checkpoints.
using LbfgsIterateCallback = std::function<void(int64_t iteration, const at::Tensor& x, double value)>;

/// Maximises f from init [D]. Throws NumericalError when f is not finite (or
/// throws) at init, ConfigError on bad options.
LbfgsResult lbfgs_maximize(const LogDensityAndGradient& f, const at::Tensor& init,
                           const LbfgsOptions& options = {}, const LbfgsIterateCallback& on_iterate = nullptr);

/// Checks the options (positive limits and tolerances); throws ConfigError
/// naming `caller` and the field.
void check_lbfgs_options(const char* caller, const LbfgsOptions& options);

/// The inverse-Hessian estimate of m BFGS updates of diag(h0) by the pairs
/// (s_i, y_i), oldest first, in compact form (Byrd, Nocedal & Schnabel 1994,
/// Thm 2.2):  H = diag(h0) + W M Wᵀ,  W = [S, diag(h0) Y] [D, 2m],
///   M = [[R⁻ᵀ(E + Yᵀ diag(h0) Y) R⁻¹, −R⁻ᵀ], [−R⁻¹, 0]],
/// R the upper triangle of SᵀY, E its diagonal. Every sᵢᵀyᵢ must be > 0.
struct CompactInverseHessian {
  at::Tensor h0;  // [D]
  at::Tensor W;   // [D, 2m]
  at::Tensor M;   // [2m, 2m]
  at::Tensor apply(const at::Tensor& v) const;  // H v, v [D]
  at::Tensor diagonal() const;                  // diag(H) [D], O(D m²)
  at::Tensor dense() const;                     // H [D, D]
};

/// S, Y [m, D] (rows oldest first), h0 [D] positive; m = 0 gives diag(h0).
CompactInverseHessian compact_inverse_hessian(const at::Tensor& S, const at::Tensor& Y,
                                              const at::Tensor& h0);

}  // namespace elbo::optim
