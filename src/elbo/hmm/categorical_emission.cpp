#include "elbo/hmm/categorical_emission.hpp"

#include <cmath>
#include <random>

#include "elbo/conjugate/option_check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/hmm/dirichlet_factor.hpp"

namespace elbo::hmm {

void CategoricalEmissionOptions::validate() const {
  conjugate::check_option_at_least("hmm categorical emission", "num_states", static_cast<double>(num_states_), 1);
  conjugate::check_option_at_least("hmm categorical emission", "num_symbols", static_cast<double>(num_symbols_), 1);
  conjugate::check_option_positive("hmm categorical emission", "concentration", concentration_);
}

CategoricalEmission::CategoricalEmission(CategoricalEmissionOptions options) {
  options.validate();
  K_ = options.num_states_;
  V_ = options.num_symbols_;
  eta_ = options.concentration_;
  std::vector<double> prior(static_cast<size_t>(K_ * V_), eta_);
  set_parameters(prior.data());
}

RowMatrix CategoricalEmission::prepare(const RowMatrix& X, const std::string& what) const {
  if (X.cols() != 1) {
    throw DomainError(what + ": categorical emissions take one column of symbols, got " +
                      std::to_string(X.cols()));
  }
  for (Eigen::Index t = 0; t < X.rows(); ++t) {
    const double v = X(t, 0);
    if (!(v >= 0) || v != std::floor(v) || v >= static_cast<double>(V_)) {
      throw DomainError(what + ": step " + std::to_string(t) + " has symbol " + std::to_string(v) +
                        "; symbols must be integers 0 … " + std::to_string(V_ - 1));
    }
  }
  return X;
}

void CategoricalEmission::set_parameters(const double* lambda) {
  lambda_.assign(lambda, lambda + K_ * V_);
  elog_by_symbol_.resize(static_cast<size_t>(V_ * K_));
  log_mean_by_symbol_.resize(static_cast<size_t>(V_ * K_));
  std::vector<double> elog(static_cast<size_t>(V_));
  for (int64_t k = 0; k < K_; ++k) {
    const double* row = lambda_.data() + k * V_;
    dirichlet_expected_log(row, V_, elog.data(), "a categorical emission");
    double total = 0.0;
    for (int64_t v = 0; v < V_; ++v) total += row[v];
    for (int64_t v = 0; v < V_; ++v) {
      elog_by_symbol_[static_cast<size_t>(v * K_ + k)] = elog[static_cast<size_t>(v)];
      log_mean_by_symbol_[static_cast<size_t>(v * K_ + k)] = std::log(row[v] / total);
    }
  }
}

void CategoricalEmission::expected_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end,
                                                  double* out) const {
  for (int64_t t = begin; t < end; ++t) {
    const double* src = elog_by_symbol_.data() + static_cast<int64_t>(X(t, 0)) * K_;
    std::copy(src, src + K_, out + (t - begin) * K_);
  }
}

void CategoricalEmission::plugin_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end,
                                                double* out) const {
  for (int64_t t = begin; t < end; ++t) {
    const double* src = log_mean_by_symbol_.data() + static_cast<int64_t>(X(t, 0)) * K_;
    std::copy(src, src + K_, out + (t - begin) * K_);
  }
}

void CategoricalEmission::accumulate(const RowMatrix& X, int64_t begin, int64_t end, const double* weights,
                                     double* stats) const {
  for (int64_t t = begin; t < end; ++t) {
    const int64_t v = static_cast<int64_t>(X(t, 0));
    const double* w = weights + (t - begin) * K_;
    for (int64_t k = 0; k < K_; ++k) stats[k * V_ + v] += w[k];
  }
}

void CategoricalEmission::global_step(const double* stats, double scale, double* lambda) const {
  for (int64_t i = 0; i < K_ * V_; ++i) lambda[i] = eta_ + scale * stats[i];
}

void CategoricalEmission::project_statistics(double* stats) const {
  for (int64_t i = 0; i < K_ * V_; ++i) stats[i] = std::max(stats[i], 0.0);
}

double CategoricalEmission::expected_log_joint(const double* stats) const {
  double total = 0.0;
  for (int64_t k = 0; k < K_; ++k)
    for (int64_t v = 0; v < V_; ++v) total += stats[k * V_ + v] * elog_by_symbol_[static_cast<size_t>(v * K_ + k)];
  return total;
}

double CategoricalEmission::kl_divergence() const {
  const std::vector<double> prior(static_cast<size_t>(V_), eta_);
  double kl = 0.0;
  for (int64_t k = 0; k < K_; ++k) kl += dirichlet_kl(lambda_.data() + k * V_, prior.data(), V_);
  return kl;
}

std::vector<int64_t> CategoricalEmission::initial_labels(const RowMatrix& X, conjugate::Rng& rng) const {
  (void)X;
  (void)rng;
  return {};
}

void CategoricalEmission::random_parameters(const RowMatrix& X, conjugate::Rng& rng, double* lambda) const {
  std::gamma_distribution<double> unit(1.0, 1.0);
  const double mass = static_cast<double>(std::max<Eigen::Index>(X.rows(), 1)) / static_cast<double>(K_);
  std::vector<double> g(static_cast<size_t>(V_));
  for (int64_t k = 0; k < K_; ++k) {
    double total = 0.0;
    for (int64_t v = 0; v < V_; ++v) total += (g[static_cast<size_t>(v)] = unit(rng));
    for (int64_t v = 0; v < V_; ++v) lambda[k * V_ + v] = eta_ + mass * g[static_cast<size_t>(v)] / total;
  }
}

nlohmann::json CategoricalEmission::summary() const {
  nlohmann::json concentration = nlohmann::json::array(), mean = nlohmann::json::array(),
                 sd = nlohmann::json::array();
  std::vector<double> m(static_cast<size_t>(V_)), s(static_cast<size_t>(V_));
  for (int64_t k = 0; k < K_; ++k) {
    const double* row = lambda_.data() + k * V_;
    dirichlet_mean_sd(row, V_, m.data(), s.data());
    concentration.push_back(std::vector<double>(row, row + V_));
    mean.push_back(m);
    sd.push_back(s);
  }
  return {{"type", "categorical"},
          {"num_symbols", V_},
          {"prior_concentration", eta_},
          {"concentration", concentration},
          {"probabilities_mean", mean},
          {"probabilities_sd", sd}};
}

}  // namespace elbo::hmm
