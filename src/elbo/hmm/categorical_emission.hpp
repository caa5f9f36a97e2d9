#pragma once
// Categorical emissions with a Dirichlet prior: φ_k ~ Dir(η 1_V), x_t | z_t = k ~ Cat(φ_k),
// q(φ_k) = Dir(λ_k). E log p(x_t = v | z_t = k) = ψ(λ_kv) − ψ(Σ_w λ_kw); the
// statistics are expected counts n_kv = Σ_t q(z_t = k) [x_t = v], and λ̂_kv = η + scale · n_kv.
// Layout of λ and of the statistics: state-major, entry k·V + v.
#include "elbo/hmm/emission.hpp"

namespace elbo::hmm {

struct CategoricalEmissionOptions {
  CategoricalEmissionOptions& num_states(int64_t v) { num_states_ = v; return *this; }
  CategoricalEmissionOptions& num_symbols(int64_t v) { num_symbols_ = v; return *this; }
  /// η (> 0).
  CategoricalEmissionOptions& concentration(double v) { concentration_ = v; return *this; }
  void validate() const;

  int64_t num_states_ = 1;
  int64_t num_symbols_ = 2;
  double concentration_ = 1.0;
};

class CategoricalEmission : public Emission {
 public:
  explicit CategoricalEmission(CategoricalEmissionOptions options);

  std::string name() const override { return "categorical"; }
  int64_t num_states() const override { return K_; }
  int64_t parameter_size() const override { return K_ * V_; }
  int64_t statistic_size() const override { return K_ * V_; }
  int64_t num_symbols() const { return V_; }

  /// One column of integers in [0, V).
  RowMatrix prepare(const RowMatrix& X, const std::string& what) const override;
  void set_parameters(const double* lambda) override;
  void expected_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const override;
  void plugin_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const override;
  void accumulate(const RowMatrix& X, int64_t begin, int64_t end, const double* weights,
                  double* stats) const override;
  void global_step(const double* stats, double scale, double* lambda) const override;
  /// Expected counts clipped at 0.
  void project_statistics(double* stats) const override;
  double expected_log_joint(const double* stats) const override;
  double kl_divergence() const override;
  std::vector<int64_t> initial_labels(const RowMatrix& X, conjugate::Rng& rng) const override;
  /// λ_k = η + (T / K) g_k, g_k ~ Dir(1_V): distinct random emission profiles.
  void random_parameters(const RowMatrix& X, conjugate::Rng& rng, double* lambda) const override;
  nlohmann::json summary() const override;

 private:
  int64_t K_, V_;
  double eta_;
  std::vector<double> lambda_;
  std::vector<double> elog_by_symbol_;   // V×K: E log φ_kv at v·K + k
  std::vector<double> log_mean_by_symbol_;  // V×K: log E φ_kv
};

}  // namespace elbo::hmm
