#include "elbo/diagnostics/summary.hpp"

#include <cmath>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/diagnostics/quantile.hpp"

namespace elbo::diagnostics {

SummaryOptions& SummaryOptions::quantiles(std::vector<double> probs) {
  for (size_t i = 0; i < probs.size(); ++i) {
    if (!(probs[i] >= 0 && probs[i] <= 1)) {
      throw DomainError(check_message("SummaryOptions::quantiles", "probs",
                                      static_cast<int64_t>(i), probs[i], "in [0, 1]"));
    }
  }
  quantiles_ = std::move(probs);
  return *this;
}

namespace {

void check_draws(const char* function, const Eigen::Ref<const Eigen::MatrixXd>& draws,
                 const std::vector<std::string>& names) {
  if (draws.rows() < 1) throw DomainError(std::string(function) + ": there are no draws");
  if (static_cast<int64_t>(names.size()) != draws.cols()) {
    throw DomainError(std::string(function) + ": " + std::to_string(names.size()) +
                      " names for " + std::to_string(draws.cols()) + " columns of draws");
  }
}

std::vector<double> column(const Eigen::Ref<const Eigen::MatrixXd>& draws, Eigen::Index j) {
  std::vector<double> out(static_cast<size_t>(draws.rows()));
  for (Eigen::Index i = 0; i < draws.rows(); ++i) out[i] = draws(i, j);
  return out;
}

}  // namespace

Summary summarize(const Eigen::Ref<const Eigen::MatrixXd>& draws,
                  const std::vector<std::string>& names, const SummaryOptions& options) {
  check_draws("summarize", draws, names);
  Summary summary;
  summary.probs = options.quantiles_;
  const auto s = static_cast<double>(draws.rows());
  for (Eigen::Index j = 0; j < draws.cols(); ++j) {
    ParameterSummary p;
    p.name = names[j];
    auto x = column(draws, j);
    double sum = 0;
    for (double v : x) sum += v;
    p.mean = sum / s;
    double ss = 0;
    for (double v : x) ss += (v - p.mean) * (v - p.mean);
    p.sd = draws.rows() > 1 ? std::sqrt(ss / (s - 1)) : std::numeric_limits<double>::quiet_NaN();
    p.quantiles = quantiles_type7(std::move(x), summary.probs);
    summary.parameters.push_back(std::move(p));
  }
  return summary;
}

Summary summarize(const Eigen::Ref<const Eigen::MatrixXd>& draws,
                  const std::vector<std::string>& names, const Eigen::VectorXd& weights,
                  const SummaryOptions& options) {
  check_draws("summarize", draws, names);
  if (weights.size() != draws.rows()) {
    throw DomainError("summarize: " + std::to_string(weights.size()) + " weights for " +
                      std::to_string(draws.rows()) + " draws");
  }
  double total = 0;
  for (Eigen::Index i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i])) {
      throw DomainError(check_message("summarize", "weights", i, weights[i],
                                      "finite and nonnegative"));
    }
    total += weights[i];
  }
  if (!(total > 0)) throw DomainError("summarize: the weights sum to zero");
  std::vector<double> w(static_cast<size_t>(weights.size()));
  double sum_sq = 0;
  for (Eigen::Index i = 0; i < weights.size(); ++i) {
    w[i] = weights[i] / total;
    sum_sq += w[i] * w[i];
  }
  Summary summary;
  summary.probs = options.quantiles_;
  for (Eigen::Index j = 0; j < draws.cols(); ++j) {
    ParameterSummary p;
    p.name = names[j];
    auto x = column(draws, j);
    double mean = 0;
    for (size_t i = 0; i < x.size(); ++i) mean += w[i] * x[i];
    double ss = 0;
    for (size_t i = 0; i < x.size(); ++i) ss += w[i] * (x[i] - mean) * (x[i] - mean);
    p.mean = mean;
    p.sd = sum_sq < 1 ? std::sqrt(ss / (1 - sum_sq)) : std::numeric_limits<double>::quiet_NaN();
    p.quantiles = weighted_quantiles(x, w, summary.probs);
    summary.parameters.push_back(std::move(p));
  }
  return summary;
}

}  // namespace elbo::diagnostics
