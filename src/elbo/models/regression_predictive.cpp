#include "elbo/models/regression_predictive.hpp"

#include <torch/torch.h>

#include <vector>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/diagnostics/quantile.hpp"

namespace elbo::models {

namespace {
constexpr const char* kPredictName = "predict_regression";

// Summary of values [S, M] over draws (dim 0) with normalised weights w [S]
// (undefined: equal weights, S − 1 denominator for the sd).
PredictiveSummary summarize_draws(const at::Tensor& values, const at::Tensor& w,
                                  const at::Tensor& mean, const at::Tensor& var) {
  const int64_t S = values.size(0), M = values.size(1);
  PredictiveSummary out;
  out.mean = mean;
  out.sd = var.clamp_min(0).sqrt();
  out.q5 = torch::empty({M}, torch::kDouble);
  out.q50 = torch::empty({M}, torch::kDouble);
  out.q95 = torch::empty({M}, torch::kDouble);
  auto columns = values.t().contiguous();  // [M, S]: one row's draws contiguous
  const double* c = columns.data_ptr<double>();
  std::vector<double> weights;
  if (w.defined()) {
    auto wc = w.contiguous();
    weights.assign(wc.data_ptr<double>(), wc.data_ptr<double>() + S);
  }
  const std::vector<double> probs{0.05, 0.5, 0.95};
  auto q5 = out.q5.accessor<double, 1>(), q50 = out.q50.accessor<double, 1>(),
       q95 = out.q95.accessor<double, 1>();
  for (int64_t m = 0; m < M; ++m) {
    std::vector<double> x(c + m * S, c + (m + 1) * S);
    auto q = weights.empty() ? diagnostics::quantiles_type7(std::move(x), probs)
                             : diagnostics::weighted_quantiles(x, weights, probs);
    q5[m] = q[0];
    q50[m] = q[1];
    q95[m] = q[2];
  }
  return out;
}

// Weighted (or plain) mean and variance over dim 0 of values [S, M].
std::pair<at::Tensor, at::Tensor> moments(const at::Tensor& values, const at::Tensor& w) {
  if (!w.defined()) return {values.mean(0), values.var(0, /*unbiased=*/true)};
  auto mean = (w.unsqueeze(1) * values).sum(0);
  auto var = (w.unsqueeze(1) * (values - mean).square()).sum(0);
  return {mean, var};
}
}  // namespace

RegressionKind regression_kind(const std::string& name) {
  if (name == "linear") return RegressionKind::linear;
  if (name == "logistic") return RegressionKind::logistic;
  if (name == "poisson") return RegressionKind::poisson;
  throw ConfigError("regression kind '" + name + "' is not linear, logistic or poisson");
}

const char* regression_kind_name(RegressionKind kind) {
  switch (kind) {
    case RegressionKind::linear: return "linear";
    case RegressionKind::logistic: return "logistic";
    case RegressionKind::poisson: return "poisson";
  }
  return "?";
}

RegressionPrediction predict_regression(RegressionKind kind, const RegressionDraws& draws,
                                        const at::Tensor& X, uint64_t seed) {
  check_dim(kPredictName, "alpha", draws.alpha, 1);
  const int64_t S = draws.alpha.size(0);
  check_dim(kPredictName, "X", X, 2);
  check_shape(kPredictName, "beta", draws.beta, {S, X.size(1)});
  if (S < 2) throw DomainError(std::string(kPredictName) + ": needs at least 2 draws, got " + std::to_string(S));
  if (kind == RegressionKind::linear) {
    if (!draws.sigma.defined()) throw DomainError(std::string(kPredictName) + ": linear regression needs sigma draws");
    check_shape(kPredictName, "sigma", draws.sigma, {S});
  }
  at::Tensor w;
  if (draws.weights.defined()) {
    check_shape(kPredictName, "weights", draws.weights, {S});
    w = draws.weights.to(torch::kDouble);
    w = w / w.sum();
  }
  auto alpha = draws.alpha.to(torch::kDouble);
  auto beta = draws.beta.to(torch::kDouble);
  auto eta = alpha.unsqueeze(1) + beta.matmul(X.to(torch::kDouble).t());  // [S, M]

  // The likelihood's mean μ and variance v at each (s, m), and one y draw.
  auto gen = make_generator(seed);
  at::Tensor mu, v, y;
  switch (kind) {
    case RegressionKind::linear: {
      auto sigma = draws.sigma.to(torch::kDouble).unsqueeze(1).expand_as(eta);
      mu = eta;
      v = sigma.square();
      y = eta + sigma * at::normal(0.0, 1.0, eta.sizes(), gen, torch::kDouble);
      break;
    }
    case RegressionKind::logistic:
      mu = eta.sigmoid();
      v = mu * (1 - mu);
      y = at::bernoulli(mu, gen);
      break;
    case RegressionKind::poisson:
      mu = eta.exp();
      v = mu;
      y = at::poisson(mu, gen);
      break;
  }
  RegressionPrediction out;
  auto [eta_mean, eta_var] = moments(eta, w);
  out.linear_predictor = summarize_draws(eta, w, eta_mean, eta_var);
  auto [mu_mean, mu_var] = moments(mu, w);
  auto v_mean = w.defined() ? (w.unsqueeze(1) * v).sum(0) : v.mean(0);
  out.response = summarize_draws(y, w, mu_mean, v_mean + mu_var);
  out.response_draws = y;
  return out;
}

}  // namespace elbo::models
