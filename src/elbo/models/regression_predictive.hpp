#pragma once
// The posterior predictive of the built-in regressions at new rows X [M, D]
// (standardised as the fit's design was), from S posterior draws of
// (α, β, σ) with optional importance weights w_s:
//   η_ms = α_s + x_mᵀβ_s   (the linear predictor),
//   y_ms ~ p(y | η_ms, σ_s): N(η, σ) (linear), Bernoulli(logit⁻¹ η) (logistic),
//                            Poisson(exp η) (poisson), one draw per (m, s).
// The mean and sd of y are those of the predictive mixture, exact given the
// draws (law of total variance: E[y] = E_s[μ_s], Var[y] = E_s[v_s] + Var_s[μ_s],
// with μ, v the likelihood's mean and variance); the quantiles of y come from
// the y draws. Weighted summaries follow diagnostics::summarize (weighted
// means, loo's weighted quantiles); unweighted sds use the S − 1 denominator.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace elbo::models {

enum class RegressionKind { linear, logistic, poisson };

/// "linear", "logistic" or "poisson"; ConfigError otherwise.
RegressionKind regression_kind(const std::string& name);
const char* regression_kind_name(RegressionKind kind);

struct RegressionDraws {
  at::Tensor alpha;    // [S]
  at::Tensor beta;     // [S, D]
  at::Tensor sigma;    // [S], linear only (a known σ repeated)
  at::Tensor weights;  // [S] nonnegative, or undefined for equal weights
};

/// Mean, sd and the 5%, 50% and 95% quantiles of one quantity at each new row.
struct PredictiveSummary {
  at::Tensor mean, sd, q5, q50, q95;  // each [M]
};

struct RegressionPrediction {
  PredictiveSummary linear_predictor;  // η
  PredictiveSummary response;          // y
  at::Tensor response_draws;           // [S, M] double: y_ms
};

/// The predictive at X [M, D]; `seed` seeds the y draws. Throws DomainError for
/// shapes that do not match (naming them) or a missing sigma for `linear`.
RegressionPrediction predict_regression(RegressionKind kind, const RegressionDraws& draws,
                                        const at::Tensor& X, uint64_t seed);

}  // namespace elbo::models
