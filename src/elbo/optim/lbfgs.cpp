#include "elbo/optim/lbfgs.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <deque>
#include <exception>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::optim {

namespace {

using Vec = Eigen::VectorXd;

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kC1 = 1e-4;  // sufficient decrease
constexpr double kC2 = 0.9;   // curvature (strong Wolfe)
// A line search still rising at a step of this size relative to max(1, ‖x‖)
// is on a ray along which log p grows without bound.
constexpr double kUnboundedStep = 1e10;
// See the convergence tests: how much looser than tol_rel_grad the predicted gain
// must be for the other tests to count.
constexpr double kPredictedGainGate = 1e3;
// Iterations before a run that is still rising may be called unbounded.
constexpr int64_t kRunawayIterations = 1000;

// Internally L-BFGS minimises F = −log p with G = −∇log p.
struct Point {
  double alpha = 0.0;
  double F = std::numeric_limits<double>::infinity();
  double dF = 0.0;  // G · p
  Vec x, G;
  bool ok = false;
};

class Evaluator {
 public:
  Evaluator(const LogDensityAndGradient& f, int64_t dim) : f_(f), dim_(dim) {}

  /// −log p and −∇log p at x; false when not finite or f threw.
  bool operator()(const Vec& x, double& F, Vec& G) {
    ++count;
    try {
      auto xt = torch::from_blob(const_cast<double*>(x.data()), {dim_}, torch::kDouble).clone();
      auto [value, grad] = f_(xt);
      if (!std::isfinite(value)) {
        last_error = fmt::format("log p is {}", value);
        if (value == std::numeric_limits<double>::infinity()) saw_plus_infinity = true;
        return false;
      }
      auto g = grad.detach().to(torch::kDouble).contiguous().reshape({-1});
      if (g.numel() != dim_) {
        throw ConfigError(fmt::format("lbfgs: the gradient has {} elements, expected {}",
                                      g.numel(), dim_));
      }
      G = -Eigen::Map<const Vec>(g.data_ptr<double>(), dim_);
      if (!G.allFinite()) {
        last_error = "the gradient is not finite";
        return false;
      }
      F = -value;
      return true;
    } catch (const ConfigError&) {
      throw;
    } catch (const std::exception& e) {
      const std::string what = e.what();  // LibTorch's errors carry a backtrace: first line
      last_error = what.substr(0, what.find('\n'));
      return false;
    }
  }

  int64_t count = 0;
  std::string last_error;
  bool saw_plus_infinity = false;  // log p = +inf somewhere: unbounded

 private:
  const LogDensityAndGradient& f_;
  int64_t dim_;
};

at::Tensor to_tensor(const Vec& v) {
  return torch::from_blob(const_cast<double*>(v.data()), {static_cast<int64_t>(v.size())},
                          torch::kDouble)
      .clone();
}

struct Pair {
  Vec s, y;
  double rho;  // 1 / sᵀy
};

/// −H G by the two-loop recursion with H0 = diag(h0).
Vec direction(const std::deque<Pair>& history, const Vec& h0, const Vec& G) {
  Vec q = -G;
  if (history.empty()) return q;
  std::vector<double> a(history.size());
  for (size_t i = history.size(); i-- > 0;) {
    a[i] = history[i].rho * history[i].s.dot(q);
    q -= a[i] * history[i].y;
  }
  q = q.cwiseProduct(h0);
  for (size_t i = 0; i < history.size(); ++i) {
    const double b = history[i].rho * history[i].y.dot(q);
    q += (a[i] - b) * history[i].s;
  }
  return q;
}

/// Minimiser of the cubic through (a0, f0, d0), (a1, f1, d1) (Nocedal & Wright
/// eq. 3.59); NaN when it has none.
double cubic_minimizer(double a0, double f0, double d0, double a1, double f1, double d1) {
  const double t1 = d0 + d1 - 3.0 * (f0 - f1) / (a0 - a1);
  const double disc = t1 * t1 - d0 * d1;
  if (!(disc >= 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double t2 = std::copysign(std::sqrt(disc), a1 - a0);
  const double denom = d1 - d0 + 2.0 * t2;
  if (denom == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return a1 - (a1 - a0) * (d1 + t2 - t1) / denom;
}

/// The diagonal estimate of H⁻¹ updated with one pair (Zhang et al. 2022,
/// Pathfinder, eq. 4, after Gilbert & Lemaréchal 1989): with a = yᵀdiag(α)y,
/// b = yᵀs, c = sᵀdiag(α)⁻¹s,  α_d ← b / (a/α_d + y_d² − (a/c) s_d²/α_d²).
/// Unchanged when the update is not positive and finite.
void update_diagonal(Vec& alpha, const Vec& s, const Vec& y) {
  const double a = (y.array().square() * alpha.array()).sum();
  const double b = y.dot(s);
  const double c = (s.array().square() / alpha.array()).sum();
  Vec next = (b / (a / alpha.array() + y.array().square() -
                   (a / c) * s.array().square() / alpha.array().square()))
                 .matrix();
  if (next.allFinite() && (next.array() > 0.0).all()) alpha = std::move(next);
}

/// A truncated-Newton direction d ≈ −(∇²F)⁻¹ G at x by at most max_steps conjugate-
/// gradient iterations on finite-difference Hessian-vector products
/// ((G(x + h v) − G(x)) / h, one gradient each). Krylov space of G: it reaches
/// the low-curvature directions that L-BFGS's few pairs have not explored (a
/// narrow valley), which a step along −G, dominated by the stiff directions,
/// does not. Returns −G when no positive curvature is seen.
Vec newton_cg_direction(Evaluator& eval, const Vec& x, const Vec& G, int64_t max_steps) {
  const int64_t D = x.size();
  Vec d = Vec::Zero(D), r = -G, p = r, Gh(D);
  double rr = r.squaredNorm();
  const double stop = 1e-20 * G.squaredNorm();
  for (int64_t i = 0; i < max_steps && rr > stop; ++i) {
    const double h = std::sqrt(kEps) * std::max(1.0, x.norm()) / p.norm();
    double Fh = 0.0;
    if (!eval(x + h * p, Fh, Gh)) break;
    const Vec Ap = (Gh - G) / h;
    const double pAp = p.dot(Ap);
    if (!(pAp > 0.0)) break;
    const double a = rr / pAp;
    d += a * p;
    r -= a * Ap;
    const double rr_next = r.squaredNorm();
    p = r + (rr_next / rr) * p;
    rr = rr_next;
  }
  if (!(d.dot(G) < 0.0) || !d.allFinite()) return -G;
  return d;
}

enum class SearchOutcome { ok, failed, unbounded };

class LineSearch {
 public:
  LineSearch(Evaluator& eval, const Vec& x0, double F0, const Vec& G0, const Vec& p,
             int64_t max_evaluations)
      : eval_(eval), x0_(x0), F0_(F0), p_(p), dF0_(G0.dot(p)), budget_(max_evaluations) {
    max_alpha_ = kUnboundedStep * std::max(1.0, x0.norm()) / std::max(p.norm(), 1e-300);
  }

  SearchOutcome run(double alpha, Point& out) {
    Point prev;
    prev.alpha = 0.0;
    prev.F = F0_;
    prev.dF = dF0_;
    prev.ok = true;
    double bad = std::numeric_limits<double>::infinity();  // smallest non-finite step
    bool first = true;
    while (used_ < budget_) {
      Point t = evaluate(alpha);
      if (!t.ok) {  // too far: back towards the last good step
        bad = alpha;
        alpha = prev.alpha + 0.5 * (alpha - prev.alpha);
        if (alpha - prev.alpha <= kEps * std::max(prev.alpha, 1e-300)) break;
        continue;
      }
      if (t.F > F0_ + kC1 * t.alpha * dF0_ || (!first && t.F >= prev.F)) {
        return zoom(prev, t, out);
      }
      if (std::fabs(t.dF) <= -kC2 * dF0_) {
        out = std::move(t);
        return SearchOutcome::ok;
      }
      if (t.dF >= 0) return zoom(t, prev, out);
      // Still descending: expand (bounded by a known non-finite step).
      if (t.alpha >= max_alpha_ && !std::isfinite(bad)) {
        out = std::move(t);
        return SearchOutcome::unbounded;
      }
      double next = 10.0 * t.alpha;
      if (std::isfinite(bad)) next = std::min(next, 0.5 * (t.alpha + bad));
      prev = std::move(t);
      first = false;
      alpha = next;
    }
    if (prev.alpha > 0.0) {  // the best descent step found
      out = std::move(prev);
      return SearchOutcome::ok;
    }
    return SearchOutcome::failed;
  }

  int64_t used() const { return used_; }

 private:
  Point evaluate(double alpha) {
    ++used_;
    Point t;
    t.alpha = alpha;
    t.x = x0_ + alpha * p_;
    t.ok = eval_(t.x, t.F, t.G);
    if (t.ok) t.dF = t.G.dot(p_);
    return t;
  }

  // lo: the best point so far satisfying sufficient decrease; hi: the other end.
  SearchOutcome zoom(Point lo, Point hi, Point& out) {
    while (used_ < budget_) {
      const double width = std::fabs(hi.alpha - lo.alpha);
      if (width <= kEps * std::max(lo.alpha, hi.alpha)) break;
      const double a_min = std::min(lo.alpha, hi.alpha), a_max = std::max(lo.alpha, hi.alpha);
      double alpha = std::numeric_limits<double>::quiet_NaN();
      if (hi.ok) alpha = cubic_minimizer(lo.alpha, lo.F, lo.dF, hi.alpha, hi.F, hi.dF);
      if (!std::isfinite(alpha) || alpha < a_min + 0.1 * width || alpha > a_max - 0.1 * width) {
        alpha = 0.5 * (lo.alpha + hi.alpha);
      }
      Point t = evaluate(alpha);
      if (!t.ok || t.F > F0_ + kC1 * t.alpha * dF0_ || t.F >= lo.F) {
        hi = std::move(t);
        continue;
      }
      if (std::fabs(t.dF) <= -kC2 * dF0_) {
        out = std::move(t);
        return SearchOutcome::ok;
      }
      if (t.dF * (hi.alpha - lo.alpha) >= 0) hi = std::move(lo);
      lo = std::move(t);
    }
    if (lo.alpha > 0.0) {  // sufficient decrease without the curvature condition
      out = std::move(lo);
      return SearchOutcome::ok;
    }
    return SearchOutcome::failed;
  }

  Evaluator& eval_;
  const Vec& x0_;
  double F0_;
  const Vec& p_;
  double dF0_;
  int64_t budget_;
  int64_t used_ = 0;
  double max_alpha_;
};

/// Evidence that the iterates run away with log p rising without bound: over
/// the last half of at least kRunawayIterations iterations, log p kept rising at
/// an undecayed rate (the last quarter gained at least half of what the quarter
/// before it did, and more than one nat) while the point moved steadily away
/// from the start (its distance from x_0 grew in the last quarter by at least
/// half of the previous quarter's growth). A converging run's gains decay
/// geometrically; a far mode reached slowly (sds 1e-3…1e4) shows the same
/// pattern over tens of iterations, hence the long window.
bool runs_away(const std::vector<double>& values, const std::vector<double>& distances) {
  const size_t n = values.size();
  if (n < static_cast<size_t>(kRunawayIterations) + 1) return false;
  const size_t q = (n - 1) / 4;
  const size_t i2 = n - 1 - 2 * q, i3 = n - 1 - q, i4 = n - 1;
  const double gain_prev = values[i3] - values[i2];
  const double gain_last = values[i4] - values[i3];
  if (!(gain_last > 1.0 && gain_last >= 0.5 * gain_prev)) return false;
  const double away_prev = distances[i3] - distances[i2];
  const double away_last = distances[i4] - distances[i3];
  return away_prev > 0.0 && away_last >= 0.5 * away_prev;
}

}  // namespace

std::string to_string(LbfgsStatus status) {
  switch (status) {
    case LbfgsStatus::objective: return "objective";
    case LbfgsStatus::relative_objective: return "relative_objective";
    case LbfgsStatus::gradient: return "gradient";
    case LbfgsStatus::relative_gradient: return "relative_gradient";
    case LbfgsStatus::parameter: return "parameter";
    case LbfgsStatus::max_iterations: return "max_iterations";
    case LbfgsStatus::line_search_failed: return "line_search_failed";
    case LbfgsStatus::unbounded: return "unbounded";
  }
  return "unknown";
}

void check_lbfgs_options(const char* caller, const LbfgsOptions& o) {
  check_option_positive(caller, "max_iterations", static_cast<double>(o.max_iterations()));
  check_option_positive(caller, "history_size", static_cast<double>(o.history_size()));
  check_option_positive(caller, "init_alpha", o.init_alpha());
  check_option_positive(caller, "max_line_search_evaluations",
                        static_cast<double>(o.max_line_search_evaluations()));
  for (auto [name, value] : {std::pair{"tol_obj", o.tol_obj()}, {"tol_rel_obj", o.tol_rel_obj()},
                             {"tol_grad", o.tol_grad()}, {"tol_rel_grad", o.tol_rel_grad()},
                             {"tol_param", o.tol_param()}}) {
    if (!(value >= 0.0) || !std::isfinite(value)) {
      throw ConfigError(fmt::format("{}: {} is {}, but must be finite and >= 0", caller, name, value));
    }
  }
}

LbfgsResult lbfgs_maximize(const LogDensityAndGradient& f, const at::Tensor& init,
                           const LbfgsOptions& o, const LbfgsIterateCallback& on_iterate) {
  check_lbfgs_options("lbfgs", o);
  check_dim("lbfgs", "init", init, 1);
  check_finite("lbfgs", "init", init);
  const int64_t D = init.size(0);
  auto init_d = init.detach().to(torch::kDouble).contiguous();
  Vec x = Eigen::Map<const Vec>(init_d.data_ptr<double>(), D);
  Evaluator eval(f, D);
  double F = 0.0;
  Vec G;
  if (!eval(x, F, G)) {
    throw NumericalError(fmt::format("lbfgs: at the initial point {}", eval.last_error));
  }

  LbfgsResult result;
  auto record = [&]() {
    if (o.record_path()) result.path.push_back({to_tensor(x), to_tensor(-G), -F});
  };
  record();
  const Vec x0 = x;
  std::vector<double> values{-F};
  std::vector<double> distances{0.0};  // ‖x_k − x_0‖

  std::deque<Pair> history;
  Vec diag_estimate = Vec::Ones(D);  // H0 = diag(α), updated with every kept pair
  Vec p = -G;
  // A test that passes is confirmed by one more iteration along a truncated-
  // Newton direction (CG on finite-difference Hessian-vector products), so a
  // direction L-BFGS's H⁻¹ has not explored shows its gain; convergence is
  // declared when a test passes again, or when the probe finds no step at all.
  bool pending = false;
  LbfgsStatus pending_status = LbfgsStatus::max_iterations;
  bool have_status = false;
  int64_t k = 0;
  while (!have_status) {
    if (k >= o.max_iterations()) {
      result.status = pending ? pending_status : LbfgsStatus::max_iterations;
      break;
    }
    ++k;
    // ---- line search along p (after a failure, once more along −G with a fresh H) ----
    Point next;
    SearchOutcome outcome = SearchOutcome::failed;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reset = history.empty() || attempt == 1 || !(G.dot(p) < 0);
      if (reset) {
        history.clear();
        diag_estimate.setOnes();
      }
      const bool probe = pending && !reset;
      if (reset) p = -G;
      if (probe) p = newton_cg_direction(eval, x, G, std::min<int64_t>(D, 2 * o.history_size() + 2));
      LineSearch search(eval, x, F, G, p, o.max_line_search_evaluations());
      outcome = search.run(reset ? o.init_alpha() : 1.0, next);
      if (outcome != SearchOutcome::failed || reset) break;
    }
    if (outcome == SearchOutcome::failed) {
      result.status = pending ? pending_status : LbfgsStatus::line_search_failed;
      --k;
      break;
    }
    const Vec s = next.x - x, y = next.G - G;
    const double F_prev = F;
    x = std::move(next.x);
    F = next.F;
    G = std::move(next.G);
    record();
    if (on_iterate) on_iterate(k, to_tensor(x), -F);
    values.push_back(-F);
    distances.push_back((x - x0).stableNorm());
    if (outcome == SearchOutcome::unbounded) {
      result.status = LbfgsStatus::unbounded;
      result.message = fmt::format(
          "L-BFGS: log p has no maximum: it keeps increasing along a ray (log p = {:.6g} at a step "
          "of length {:.3g}); the density is unbounded or improper in some direction",
          -F, s.norm());
      break;
    }
    const double sy = s.dot(y), yy = y.squaredNorm();
    if (sy > kEps * yy && yy > 0.0) {
      history.push_back({s, y, 1.0 / sy});
      update_diagonal(diag_estimate, s, y);
      while (static_cast<int64_t>(history.size()) > o.history_size()) history.pop_front();
    }
    p = direction(history, diag_estimate, G);

    // ---- Stan's convergence tests ----
    const double dF = std::fabs(F - F_prev);
    const double rel_obj = dF / std::max({std::fabs(F), std::fabs(F_prev), 1.0});
    const double rel_grad = -p.dot(G) / std::max(std::fabs(F), 1.0);
    // The tests on Δlog p, ‖∇‖ and ‖Δx‖ can pass on a step that was merely short (a
    // narrow valley: raw calendar years as a predictor stop 2 nats below the mode on
    // ‖Δx‖ < 1e-8); they count only when L-BFGS's own prediction of the remaining gain
    // is also small, gᵀH⁻¹g / max(|log p|, 1) < kPredictedGainGate · tol_rel_grad · ε.
    const bool small_predicted_gain =
        std::fabs(rel_grad) < kPredictedGainGate * o.tol_rel_grad() * kEps;
    bool passed = true;
    LbfgsStatus status = LbfgsStatus::max_iterations;
    if (!small_predicted_gain && !(G.norm() == 0.0)) {
      passed = false;
    } else if (dF < o.tol_obj()) {
      status = LbfgsStatus::objective;
    } else if (G.norm() < o.tol_grad()) {
      status = LbfgsStatus::gradient;
    } else if (s.norm() < o.tol_param()) {
      status = LbfgsStatus::parameter;
    } else if (rel_obj < o.tol_rel_obj() * kEps) {
      status = LbfgsStatus::relative_objective;
    } else if (!history.empty() && rel_grad >= 0 && rel_grad < o.tol_rel_grad() * kEps) {
      status = LbfgsStatus::relative_gradient;
    } else {
      passed = false;
    }
    if (passed && (pending || G.norm() == 0.0)) {
      result.status = status;
      have_status = true;
    } else {
      pending = passed;
      pending_status = status;
    }
  }
  result.iterations = k;
  result.evaluations = eval.count;
  result.x = to_tensor(x);
  result.gradient = to_tensor(-G);
  result.value = -F;

  const bool not_converged = result.status == LbfgsStatus::max_iterations ||
                             result.status == LbfgsStatus::line_search_failed;
  if (not_converged && (eval.saw_plus_infinity || -F > 1e300)) {
    result.message = fmt::format(
        "L-BFGS: log p has no maximum: it rose to {:.6g}{} after {} iterations; the density is "
        "unbounded or improper in some direction",
        -F, eval.saw_plus_infinity ? " and was +inf at a trial point" : "", k);
    result.status = LbfgsStatus::unbounded;
  } else if (not_converged && runs_away(values, distances)) {
    result.message = fmt::format(
        "L-BFGS: log p has no maximum: over the last {} iterations it kept rising (to {:.6g}) at an "
        "undiminished rate while the point ran away (‖x‖ = {:.3g}); the density is unbounded, e.g. "
        "a funnel whose log p → +∞",
        values.size() / 2, -F, x.norm());
    result.status = LbfgsStatus::unbounded;
  }
  if (result.message.empty()) {
    switch (result.status) {
      case LbfgsStatus::max_iterations:
        result.message = fmt::format(
            "L-BFGS: not converged after {} iterations (log p = {:.6g}, ‖∇log p‖ = {:.3g})", k, -F,
            G.norm());
        break;
      case LbfgsStatus::line_search_failed:
        result.message = fmt::format(
            "L-BFGS: the line search found no step that increases log p after {} iterations "
            "(log p = {:.6g}, ‖∇log p‖ = {:.3g}{}{})",
            k, -F, G.norm(), eval.last_error.empty() ? "" : "; last failed evaluation: ",
            eval.last_error);
        break;
      default:
        result.message = fmt::format("L-BFGS: converged ({}) after {} iterations",
                                     to_string(result.status), k);
    }
  }

  // ---- diag of the final inverse-Hessian estimate ----
  const int64_t m = static_cast<int64_t>(history.size());
  at::Tensor h0;
  auto S = torch::empty({m, D}, torch::kDouble), Y = torch::empty({m, D}, torch::kDouble);
  for (int64_t i = 0; i < m; ++i) {
    S[i].copy_(to_tensor(history[i].s));
    Y[i].copy_(to_tensor(history[i].y));
  }
  result.inverse_hessian_diagonal = compact_inverse_hessian(S, Y, to_tensor(diag_estimate)).diagonal();
  return result;
}

CompactInverseHessian compact_inverse_hessian(const at::Tensor& S, const at::Tensor& Y,
                                              const at::Tensor& h0) {
  CompactInverseHessian out;
  out.h0 = h0.to(torch::kDouble);
  const int64_t m = S.size(0), D = h0.size(0);
  if (m == 0) {
    out.W = torch::zeros({D, 0}, torch::kDouble);
    out.M = torch::zeros({0, 0}, torch::kDouble);
    return out;
  }
  auto St = S.to(torch::kDouble).t();                    // [D, m]
  auto Yt = Y.to(torch::kDouble).t();                    // [D, m]
  auto HY = out.h0.unsqueeze(1) * Yt;                    // diag(h0) Y
  auto SY = St.t().matmul(Yt);                           // [m, m]
  auto R = SY.triu();
  auto E = torch::diag(SY.diagonal());
  auto eye = torch::eye(m, torch::kDouble);
  auto R_inv = at::linalg_solve_triangular(R, eye, /*upper=*/true);  // R⁻¹
  auto top_left = R_inv.t().matmul(E + Yt.t().matmul(HY)).matmul(R_inv);
  out.M = torch::cat({torch::cat({top_left, -R_inv.t()}, 1),
                      torch::cat({-R_inv, torch::zeros({m, m}, torch::kDouble)}, 1)},
                     0);
  out.W = torch::cat({St, HY}, 1);
  return out;
}

at::Tensor CompactInverseHessian::apply(const at::Tensor& v) const {
  auto out = h0 * v;
  if (W.size(1) > 0) out = out + W.matmul(M.matmul(W.t().matmul(v)));
  return out;
}

at::Tensor CompactInverseHessian::diagonal() const {
  if (W.size(1) == 0) return h0.clone();
  return h0 + (W.matmul(M) * W).sum(1);
}

at::Tensor CompactInverseHessian::dense() const {
  auto H = torch::diag(h0);
  if (W.size(1) > 0) H = H + W.matmul(M).matmul(W.t());
  return 0.5 * (H + H.t());
}

}  // namespace elbo::optim
