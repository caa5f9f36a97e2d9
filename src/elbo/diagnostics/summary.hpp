#pragma once
// Posterior summaries of a matrix of draws [S, P] (one column per named scalar):
// mean, standard deviation and quantiles, optionally under normalised importance
// weights (e.g. PSIS weights, psis.hpp).
//   unweighted: mean, sd with the S − 1 denominator, quantiles of R type 7;
//   weighted:   μ = Σ w x, sd² = Σ w (x − μ)² / (1 − Σ w²) (the reliability-weight
//               correction, numpy's cov(aweights, ddof=1); equal weights give the
//               unweighted sd), weighted_quantiles of quantile.hpp (loo's E_loo).
#include <Eigen/Core>

#include <string>
#include <vector>

namespace elbo::diagnostics {

struct SummaryOptions {
  /// Probabilities of the reported quantiles; each in [0, 1] (DomainError otherwise).
  SummaryOptions& quantiles(std::vector<double> probs);
  std::vector<double> quantiles_ = {0.05, 0.5, 0.95};
};

struct ParameterSummary {
  std::string name;
  double mean = 0.0;
  double sd = 0.0;
  std::vector<double> quantiles;  // at Summary::probs
};

struct Summary {
  std::vector<double> probs;
  std::vector<ParameterSummary> parameters;
};

/// Throws DomainError unless names.size() == P and S >= 1 (sd is NaN for S = 1).
Summary summarize(const Eigen::Ref<const Eigen::MatrixXd>& draws,
                  const std::vector<std::string>& names, const SummaryOptions& options = {});

/// Weighted by `weights` (length S, nonnegative, renormalised to sum to one).
Summary summarize(const Eigen::Ref<const Eigen::MatrixXd>& draws,
                  const std::vector<std::string>& names, const Eigen::VectorXd& weights,
                  const SummaryOptions& options = {});

}  // namespace elbo::diagnostics
