// L-BFGS with Stan's convergence tests: the exact mode of badly scaled and
// strongly correlated quadratics, a raw-scale logistic regression against a
// Newton-refined mode, "unbounded" on an improper density and on a funnel,
// recovery from a non-finite / throwing region, the inverse-Hessian diagonal,
// and the compact inverse-Hessian form against sequential BFGS updates.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/optim/lbfgs.hpp"

namespace elbo::optim {
namespace {

using torch::kDouble;

std::string sci(double v) {
  std::ostringstream out;
  out.precision(3);
  out << std::scientific << v;
  return out.str();
}

/// log p = −½ (x − μ)ᵀ A (x − μ) (maximum 0 at μ).
LogDensityAndGradient quadratic(at::Tensor mu, at::Tensor A) {
  return [mu, A](const at::Tensor& x) {
    auto d = x - mu;
    auto Ad = A.matmul(d);
    return std::make_pair(-0.5 * d.dot(Ad).item<double>(), -Ad);
  };
}

double max_rel_error(const at::Tensor& actual, const at::Tensor& expected) {
  return ((actual - expected).abs().max() / expected.abs().max()).item<double>();
}

TEST(Lbfgs, BadlyScaledDiagonalQuadraticReachesTheMode) {
  // sds 1e-3 … 1e4, mode 3 sds from the start in every coordinate.
  const int64_t D = 8;
  auto sd = torch::pow(10.0, torch::linspace(-3.0, 4.0, D, kDouble));
  auto sign = torch::tensor({1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0}, kDouble);
  auto mu = 3.0 * sd * sign;
  auto f = quadratic(mu, torch::diag(1.0 / sd.square()));
  // Stan's defaults stop when the predicted gain gᵀH⁻¹g is below 1e7·ε·max(|log p|, 1)
  // ≈ 2e-9 nats here, i.e. within ~sqrt(2 · 2e-9) ≈ 6e-5 sd of the mode in every coordinate.
  auto r = lbfgs_maximize(f, torch::zeros({D}, kDouble));
  EXPECT_TRUE(r.converged()) << r.message;
  const double err_sd = ((r.x - mu).abs() / sd).max().item<double>();
  EXPECT_LT(err_sd, 1e-4) << r.message;
  RecordProperty("error_in_sd_stan_defaults", sci(err_sd));
  // Tighter relative tolerances: the exact mode to 1e-6 relative in every coordinate.
  auto tight = lbfgs_maximize(f, torch::zeros({D}, kDouble),
                              LbfgsOptions().tol_rel_grad(1e2).tol_rel_obj(1.0));
  EXPECT_TRUE(tight.converged()) << tight.message;
  const double rel = ((tight.x - mu).abs() / mu.abs()).max().item<double>();
  EXPECT_LT(rel, 1e-6) << tight.message;
  RecordProperty("max_relative_error_tight", sci(rel));
  RecordProperty("iterations", std::to_string(r.iterations) + " / " + std::to_string(tight.iterations));
}

TEST(Lbfgs, StronglyCorrelatedQuadraticReachesTheMode) {
  // 20 dims, marginal sd 0.001, correlation 0.999 (the reproduction).
  const int64_t D = 20;
  const double sd = 1e-3, rho = 0.999;
  auto cov = sd * sd * ((1.0 - rho) * torch::eye(D, kDouble) + rho * torch::ones({D, D}, kDouble));
  auto mu = torch::linspace(-0.5, 1.0, D, kDouble);
  auto r = lbfgs_maximize(quadratic(mu, torch::inverse(cov)), torch::zeros({D}, kDouble));
  EXPECT_TRUE(r.converged()) << r.message;
  EXPECT_LT(max_rel_error(r.x, mu), 1e-6) << r.message;
  // And in posterior sds: the error is a tiny fraction of one sd.
  EXPECT_LT(((r.x - mu).abs() / sd).max().item<double>(), 1e-3) << r.message;
}

TEST(Lbfgs, RawCalendarYearRegressionReachesTheMode) {
  // y = a + b · year + noise with year 1952…2013 on its raw scale (kilpisjarvi): the
  // intercept and slope have correlation ≈ −0.99995, and steps along the valley are
  // below Stan's absolute tol_param long before the mode.
  const int64_t N = 62;
  auto year = torch::arange(1952.0, 1952.0 + N, kDouble);
  auto X = torch::stack({torch::ones({N}, kDouble), year}, 1);
  auto gen = make_generator(13);
  auto y = -30.0 + 0.02 * year + 1.1 * torch::randn({N}, gen, kDouble);
  const double sigma = 1.1;
  auto prior_precision = torch::diag(torch::tensor({1.0 / (1e3 * 1e3), 1.0 / (1.0 * 1.0)}, kDouble));
  auto A = X.t().matmul(X) / (sigma * sigma) + prior_precision;
  auto mode = torch::linalg_solve(A, X.t().matmul(y) / (sigma * sigma));
  auto r = lbfgs_maximize(quadratic(mode, A), torch::zeros({2}, kDouble));
  EXPECT_TRUE(r.converged()) << r.message;
  auto sd = torch::inverse(A).diagonal().sqrt();
  const double err_sd = ((r.x - mode).abs() / sd).max().item<double>();
  const double gap = -r.value;  // log p(mode) = 0
  EXPECT_LT(err_sd, 1e-2) << r.message;
  EXPECT_LT(gap, 1e-4) << r.message;
  RecordProperty("error_in_sd", sci(err_sd));
  RecordProperty("log_p_gap", sci(gap));
  RecordProperty("lbfgs_status", to_string(r.status));
}

/// posteriordb's kilpisjarvi_mod-kilpisjarvi (year + 2000 as the predictor, as there):
/// θ = (α, β, log σ), α ~ N(9.31, 100), β ~ N(0, 1/30), y ~ N(α + β x, σ), with the
/// log-Jacobian of σ = exp(u).
std::pair<double, at::Tensor> kilpisjarvi(const at::Tensor& theta) {
  static const auto x = torch::arange(3952.0, 4014.0, kDouble);
  static const auto y = torch::tensor(std::vector<double>
      {8.3, 10.9, 9.4, 8.1, 8.1, 7.7, 8.6, 9.1, 11, 10.1, 7.6, 8.8, 8.3, 7.2, 9.3, 8.8,
       7.6, 10.5, 11, 8.9, 11.3, 10, 10.1, 6.4, 8.2, 8.4, 9.5, 9.9, 10.6, 7.6, 7.7, 8.1,
       8.4, 9.7, 9.5, 7.3, 10.3, 9.6, 10.3, 9.8, 9, 9.1, 9.5, 8.7, 9.9, 10.5, 9.4, 9,
       9, 9.7, 11.4, 10.7, 10.1, 10.8, 10.4, 10.3, 8.8, 9.8, 8.8, 10.8, 8.6, 11.1},
      kDouble);
  auto t = theta.detach().clone().requires_grad_(true);
  auto alpha = t[0], beta = t[1], u = t[2];
  auto lp = -0.5 * ((alpha - 9.31290322580645) / 100.0).square() -
            0.5 * (beta / 0.0333333333333333).square() +
            (-u - 0.5 * ((y - alpha - beta * x) / u.exp()).square()).sum() + u;
  lp.backward();
  return {lp.item<double>(), t.grad().clone()};
}

TEST(Lbfgs, KilpisjarviReachesTheMode) {
  // Raw calendar years: corr(α, β) ≈ −0.9999, sd(β) ≈ 1e-3 next to sd(α) ≈ 4.
  for (const auto& init : {torch::zeros({3}, kDouble), torch::tensor({1.5, -1.0, 0.5}, kDouble),
                           torch::tensor({-1.9, 0.3, -1.2}, kDouble)}) {
    auto r = lbfgs_maximize(kilpisjarvi, init);
    EXPECT_TRUE(r.converged()) << r.message;
    // Newton from the L-BFGS point with a central-difference Hessian of the gradient.
    auto mode = r.x.clone();
    for (int it = 0; it < 8; ++it) {
      auto H = torch::empty({3, 3}, kDouble);
      for (int64_t j = 0; j < 3; ++j) {
        auto e = torch::zeros({3}, kDouble);
        e[j] = 1e-6 * (1.0 + std::fabs(mode[j].item<double>()));
        H.select(1, j).copy_((kilpisjarvi(mode + e).second - kilpisjarvi(mode - e).second) /
                             (2.0 * e[j].item<double>()));
      }
      H = 0.5 * (H + H.t());
      mode = mode - torch::linalg_solve(H, kilpisjarvi(mode).second);
    }
    const double gap = kilpisjarvi(mode).first - r.value;
    EXPECT_LT(gap, 1e-4) << r.message;
    RecordProperty("log_p_gap", sci(gap));
    RecordProperty("lbfgs_status", to_string(r.status) + " after " + std::to_string(r.iterations));
  }
}

/// Logistic regression with N(0, 10²) priors on raw-scale features: a column
/// centred at 66 with sd 4 (a height), one with sd 1e3 and one with sd 1e-2.
struct RawLogistic {
  at::Tensor X, y;  // X [N, 4] with a column of ones first
  std::pair<double, at::Tensor> operator()(const at::Tensor& theta) const {
    auto eta = X.matmul(theta);
    const double lp = (y * eta - torch::nn::functional::softplus(eta)).sum().item<double>() -
                      0.5 * theta.square().sum().item<double>() / 100.0;
    auto grad = X.t().matmul(y - torch::sigmoid(eta)) - theta / 100.0;
    return {lp, grad};
  }
  at::Tensor hessian(const at::Tensor& theta) const {
    auto p = torch::sigmoid(X.matmul(theta));
    return -(X.t() * (p * (1 - p))).matmul(X) - torch::eye(X.size(1), kDouble) / 100.0;
  }
};

RawLogistic raw_logistic() {
  auto gen = make_generator(5);
  const int64_t N = 1000;
  auto height = 66.0 + 4.0 * torch::randn({N}, gen, kDouble);
  auto income = 1e3 * torch::randn({N}, gen, kDouble);
  auto small = 1e-2 * torch::randn({N}, gen, kDouble);
  auto X = torch::stack({torch::ones({N}, kDouble), height, income, small}, 1);
  auto eta = -13.2 + 0.2 * height + 8e-4 * income + 50.0 * small;
  auto y = (torch::rand({N}, gen, kDouble) < torch::sigmoid(eta)).to(torch::kDouble);
  return {X, y};
}

TEST(Lbfgs, RawScaleLogisticRegressionReachesTheNewtonMode) {
  auto model = raw_logistic();
  auto r = lbfgs_maximize(model, torch::zeros({4}, kDouble));
  EXPECT_TRUE(r.converged()) << r.message;
  // Newton refinement from the L-BFGS point: the exact mode to machine precision.
  auto mode = r.x.clone();
  for (int i = 0; i < 20; ++i) {
    auto g = model(mode).second;
    mode = mode - torch::linalg_solve(model.hessian(mode), g);
  }
  auto cov = torch::inverse(-model.hessian(mode));
  auto sd = cov.diagonal().sqrt();
  const double err_sd = ((r.x - mode).abs() / sd).max().item<double>();
  EXPECT_LT(err_sd, 1e-3) << r.message;
  // The Newton decrement gᵀ A⁻¹ g (nats): the gradient is ~0 on the problem's own scale,
  // although |∂ log p / ∂α| alone is far from 1e-6 … 1e-8 at the start.
  auto g = r.gradient;
  const double decrement = g.dot(cov.matmul(g)).item<double>();
  EXPECT_LT(decrement, 1e-6) << r.message;
  RecordProperty("error_in_sd", sci(err_sd));
  RecordProperty("newton_decrement", sci(decrement));
  RecordProperty("iterations", std::to_string(r.iterations));
  // The final inverse-Hessian diagonal is the right order of magnitude for each sd.
  auto ratio = r.inverse_hessian_diagonal.sqrt() / sd;
  EXPECT_GT(ratio.min().item<double>(), 0.1);
  EXPECT_LT(ratio.max().item<double>(), 10.0);
}

TEST(Lbfgs, ImproperFlatDirectionIsUnbounded) {
  // log p = −x0² + x1: a maximum in x0, none in x1.
  auto f = [](const at::Tensor& x) {
    auto x0 = x[0].item<double>(), x1 = x[1].item<double>();
    return std::make_pair(-x0 * x0 + x1, torch::tensor({-2.0 * x0, 1.0}, kDouble));
  };
  auto r = lbfgs_maximize(f, torch::tensor({1.0, 0.0}, kDouble));
  EXPECT_EQ(r.status, LbfgsStatus::unbounded) << r.message;
  EXPECT_FALSE(r.converged());
  EXPECT_NE(r.message.find("no maximum"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("unbounded"), std::string::npos) << r.message;
}

/// Eight schools, centred: θ = (μ, log τ, θ_1..θ_8); log p → +∞ like −(J − 1) log τ
/// as log τ → −∞ with θ_j → μ.
std::pair<double, at::Tensor> eight_schools_centred(const at::Tensor& theta) {
  static const auto y = torch::tensor({28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0}, kDouble);
  static const auto sigma = torch::tensor({15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0}, kDouble);
  auto t = theta.detach().clone().requires_grad_(true);
  auto mu = t[0], log_tau = t[1], th = t.slice(0, 2);
  auto tau = log_tau.exp();
  auto lp = -0.5 * (mu / 5.0).square()                                // μ ~ N(0, 5)
            - torch::log1p((tau / 5.0).square()) + log_tau            // τ ~ half-Cauchy(0, 5), Jacobian
            + (-log_tau - 0.5 * ((th - mu) / tau).square()).sum()     // θ_j ~ N(μ, τ)
            - 0.5 * ((y - th) / sigma).square().sum();                // y_j ~ N(θ_j, σ_j)
  lp.backward();
  return {lp.item<double>(), t.grad().clone()};
}

TEST(Lbfgs, CentredEightSchoolsFunnelIsUnbounded) {
  auto init = torch::zeros({10}, kDouble);
  auto r = lbfgs_maximize(eight_schools_centred, init);
  EXPECT_EQ(r.status, LbfgsStatus::unbounded) << r.message << " (" << r.iterations
                                               << " iterations, log tau = " << r.x[1].item<double>()
                                               << ")";
  EXPECT_FALSE(r.converged());
  EXPECT_NE(r.message.find("no maximum"), std::string::npos) << r.message;
  EXPECT_LT(r.x[1].item<double>(), -5.0);  // it ran down the funnel's neck
  RecordProperty("iterations", std::to_string(r.iterations));
  RecordProperty("log_tau", std::to_string(r.x[1].item<double>()));
}

TEST(Lbfgs, MaxIterationsIsNotConvergedAndNotUnbounded) {
  auto f = [](const at::Tensor& x) {  // Rosenbrock, maximised
    const double a = x[0].item<double>(), b = x[1].item<double>();
    const double v = -(100.0 * std::pow(b - a * a, 2) + std::pow(1 - a, 2));
    return std::make_pair(v, torch::tensor({400.0 * a * (b - a * a) + 2.0 * (1 - a), -200.0 * (b - a * a)},
                                           kDouble));
  };
  auto r = lbfgs_maximize(f, torch::tensor({-1.2, 1.0}, kDouble), LbfgsOptions().max_iterations(5));
  EXPECT_EQ(r.status, LbfgsStatus::max_iterations) << r.message;
  EXPECT_FALSE(r.converged());
  EXPECT_EQ(r.iterations, 5);
  EXPECT_NE(r.message.find("not converged"), std::string::npos) << r.message;
  auto full = lbfgs_maximize(f, torch::tensor({-1.2, 1.0}, kDouble));
  EXPECT_TRUE(full.converged()) << full.message;
  // log p = 0 at the mode, so Stan's relative tests stop within ~1e-9 nats: ~1e-5 in x.
  EXPECT_NEAR(full.x[0].item<double>(), 1.0, 1e-4);
  EXPECT_NEAR(full.x[1].item<double>(), 1.0, 1e-4);
}

TEST(Lbfgs, SlowProgressToAModeIsNotUnbounded) {
  // The badly scaled quadratic stopped at every iteration limit from 41 to 80 (the far
  // modes are reached in bursts): "not converged", never "unbounded".
  const int64_t D = 8;
  auto sd = torch::pow(10.0, torch::linspace(-3.0, 4.0, D, kDouble));
  auto mu = 3.0 * sd;
  auto f = quadratic(mu, torch::diag(1.0 / sd.square()));
  for (int64_t limit = 41; limit <= 80; ++limit) {
    auto r = lbfgs_maximize(f, torch::zeros({D}, kDouble), LbfgsOptions().max_iterations(limit));
    EXPECT_NE(r.status, LbfgsStatus::unbounded) << "limit " << limit << ": " << r.message;
  }
}

TEST(Lbfgs, SurvivesNonFiniteAndThrowingRegions) {
  // Mode at (3.5, 4.0, −2); log p = −inf for x0 > 4, NaN for x2 < −2.5, throws for x1 > 5.
  auto mu = torch::tensor({3.5, 4.0, -2.0}, kDouble);
  auto base = quadratic(mu, torch::diag(torch::tensor({1.0, 4.0, 0.25}, kDouble)));
  int64_t calls_outside = 0;
  auto f = [&](const at::Tensor& x) {
    if (x[1].item<double>() > 5.0) {
      ++calls_outside;
      throw std::domain_error("normal: scale is inf");
    }
    auto [v, g] = base(x);
    if (x[0].item<double>() > 4.0) {
      ++calls_outside;
      v = -std::numeric_limits<double>::infinity();
    }
    if (x[2].item<double>() < -2.5) {
      ++calls_outside;
      v = std::numeric_limits<double>::quiet_NaN();
    }
    return std::make_pair(v, g);
  };
  // init_alpha 1 on the first step: the first trial point (3.5·, 16·, −0.5·) is outside.
  auto r = lbfgs_maximize(f, torch::zeros({3}, kDouble), LbfgsOptions().init_alpha(1.0));
  EXPECT_TRUE(r.converged()) << r.message;
  EXPECT_GT(calls_outside, 0);
  EXPECT_LT(max_rel_error(r.x, mu), 1e-5) << r.message;
}

TEST(Lbfgs, InverseHessianDiagonalApproximatesTheVariances) {
  // A diagonal Gaussian in 4 dims (history 5 ≥ D): the estimate is close to the variances.
  auto var = torch::tensor({0.5, 2.0, 8.0, 0.1}, kDouble);
  auto mu = torch::tensor({1.0, -2.0, 3.0, 0.5}, kDouble);
  auto r = lbfgs_maximize(quadratic(mu, torch::diag(1.0 / var)), torch::zeros({4}, kDouble));
  ASSERT_TRUE(r.converged()) << r.message;
  auto ratio = r.inverse_hessian_diagonal / var;
  RecordProperty("ratio", std::to_string(ratio.min().item<double>()) + " .. " +
                              std::to_string(ratio.max().item<double>()));
  EXPECT_GT(ratio.min().item<double>(), 0.8) << ratio;
  EXPECT_LT(ratio.max().item<double>(), 1.2) << ratio;
}

TEST(Lbfgs, CompactInverseHessianMatchesSequentialUpdates) {
  auto gen = make_generator(9);
  const int64_t D = 7, m = 4;
  auto B = torch::randn({D, D}, gen, kDouble);
  auto A = B.matmul(B.t()) + torch::eye(D, kDouble);
  auto S = torch::randn({m, D}, gen, kDouble);
  auto Y = S.matmul(A);  // y = A s: positive curvature
  auto h0 = torch::rand({D}, gen, kDouble) + 0.5;
  auto H = torch::diag(h0);
  auto I = torch::eye(D, kDouble);
  for (int64_t i = 0; i < m; ++i) {
    auto s = S[i].unsqueeze(1), y = Y[i].unsqueeze(1);
    const double rho = 1.0 / S[i].dot(Y[i]).item<double>();
    H = (I - rho * s.matmul(y.t())).matmul(H).matmul(I - rho * y.matmul(s.t())) + rho * s.matmul(s.t());
  }
  auto c = compact_inverse_hessian(S, Y, h0);
  EXPECT_LT(max_rel_error(c.dense(), H), 1e-10);
  EXPECT_LT(max_rel_error(c.diagonal(), H.diagonal()), 1e-10);
  auto v = torch::randn({D}, gen, kDouble);
  EXPECT_LT(max_rel_error(c.apply(v), H.matmul(v)), 1e-10);
  // Secant equation of the newest pair.
  EXPECT_LT(max_rel_error(c.apply(Y[m - 1]), S[m - 1]), 1e-10);
}

TEST(Lbfgs, RecordsThePath) {
  auto mu = torch::tensor({1.0, 2.0}, kDouble);
  auto r = lbfgs_maximize(quadratic(mu, torch::eye(2, kDouble)), torch::zeros({2}, kDouble),
                          LbfgsOptions().record_path(true));
  ASSERT_EQ(static_cast<int64_t>(r.path.size()), r.iterations + 1);
  EXPECT_EQ(r.path.front().x.abs().max().item<double>(), 0.0);
  EXPECT_NEAR(r.path.front().value, -2.5, 1e-15);
  EXPECT_TRUE(torch::equal(r.path.back().x, r.x));
  for (size_t i = 1; i < r.path.size(); ++i) EXPECT_GE(r.path[i].value, r.path[i - 1].value);
}

TEST(Lbfgs, RejectsBadInitAndOptions) {
  auto f = quadratic(torch::zeros({2}, kDouble), torch::eye(2, kDouble));
  EXPECT_THROW(lbfgs_maximize(f, torch::zeros({2}, kDouble), LbfgsOptions().max_iterations(0)),
               ConfigError);
  EXPECT_THROW(lbfgs_maximize(f, torch::zeros({2}, kDouble), LbfgsOptions().tol_rel_grad(-1)),
               ConfigError);
  auto bad = [](const at::Tensor&) {
    return std::make_pair(-std::numeric_limits<double>::infinity(), torch::zeros({2}, kDouble));
  };
  try {
    lbfgs_maximize(bad, torch::zeros({2}, kDouble));
    FAIL() << "expected NumericalError";
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("initial point"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace elbo::optim
