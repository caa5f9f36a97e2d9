#pragma once
// Collapsed variational inference for LDA with the zero-order approximation.
//
// CVB0 (Asuncion, Welling, Smyth & Teh 2009, eq. 7): with θ and β integrated out,
// each word occurrence (d, w) keeps a distribution γ_dw over topics, updated as
//   γ_dwk ∝ (N_wk^¬dw + η) / (N_k^¬dw + Vη) · (N_dk^¬dw + α),
// where N are expected counts (sums of γ weighted by n_dw) without the entry itself.
// A bag-of-words entry with count n_dw is one unit of weight n_dw. The batch sweep is
// parallel over documents: N_dk is updated in place, the word–topic counts N_wk, N_k
// are read from the start of the sweep and replaced at its end (the "parallel"
// CVB0 of Asuncion et al. §4 / AD-LDA), so results do not depend on thread count
// beyond rounding. γ is stored per entry (float).
//
// SCVB0 (Foulds, Boyles, DuBois, Smyth & Welling 2013, Algorithm 1): no per-token
// state; minibatches of documents; per document, `burn_in` passes update only N_θd
// by N_θd ← (1 − ρθ)^{n} N_θd + (1 − (1 − ρθ)^{n}) C_d γ (n tokens of a word at once),
// then a final pass also accumulates N̂_φ = (C/|B|) Σ n γ e_w; after the minibatch
// N_φ ← (1 − ρφ) N_φ + ρφ N̂_φ and N_Z likewise, ρφ_t = s (τ0 + t)^−κ,
// ρθ_t = (10 + t)^−0.9 per token (their settings).
//
// This is not a ConjugateModel: the collapsed bound has no global natural
// parameters. E[β]_kw = (N_wk + η)/(N_k + Vη).
#include <Eigen/Core>

#include <functional>
#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/io/text_corpus.hpp"

namespace elbo::conjugate {

struct Cvb0Options {
  Cvb0Options& num_topics(int64_t v) { num_topics_ = v; return *this; }
  Cvb0Options& alpha(double v) { alpha_ = v; return *this; }  // ≤ 0: 1/K
  Cvb0Options& eta(double v) { eta_ = v; return *this; }      // ≤ 0: 1/K
  Cvb0Options& threads(int v) { threads_ = v; return *this; }
  Cvb0Options& seed(uint64_t v) { seed_ = v; return *this; }
  /// Batch CVB0 stops when the mean |Δγ| per entry falls below this.
  Cvb0Options& tolerance(double v) { tolerance_ = v; return *this; }
  void validate() const;

  int64_t num_topics_ = 10;
  double alpha_ = 0.0;
  double eta_ = 0.0;
  int threads_ = 0;
  uint64_t seed_ = 1;
  double tolerance_ = 1e-4;
};

struct Scvb0Schedule {
  Scvb0Schedule& batch_size(int64_t v) { batch_size_ = v; return *this; }
  Scvb0Schedule& steps(int64_t v) { steps_ = v; return *this; }
  Scvb0Schedule& scale(double v) { scale_ = v; return *this; }
  Scvb0Schedule& tau0(double v) { tau0_ = v; return *this; }
  Scvb0Schedule& kappa(double v) { kappa_ = v; return *this; }
  Scvb0Schedule& burn_in(int64_t v) { burn_in_ = v; return *this; }
  void validate() const;

  int64_t batch_size_ = 256;
  int64_t steps_ = 100;
  double scale_ = 1.0;
  double tau0_ = 10.0;
  double kappa_ = 0.9;
  int64_t burn_in_ = 2;
};

class Cvb0 {
 public:
  Cvb0(io::Corpus corpus, Cvb0Options options);

  /// Batch CVB0 sweeps until the mean change is below tolerance or max_iterations;
  /// callback(iteration, mean change) → false stops. Returns the iterations run.
  int64_t fit_batch(int64_t max_iterations,
                    const std::function<bool(int64_t, double)>& callback = {});
  /// SCVB0 minibatch steps; callback(step) → false stops.
  void fit_stochastic(const Scvb0Schedule& schedule,
                      const std::function<bool(int64_t)>& callback = {});

  /// E[β] (K×V) from the current expected counts.
  Eigen::MatrixXd topics() const;
  /// N_wk + η as a K×V matrix: the topic–word pseudo-counts whose normalised rows
  /// are topics() (what scikit-learn calls components_).
  Eigen::MatrixXd topic_word_pseudo_counts() const;
  std::vector<int64_t> top_words(int64_t k, int64_t n) const;
  double alpha() const { return alpha_; }
  double eta() const { return eta_; }
  int64_t num_topics() const { return K_; }
  const io::Corpus& corpus() const { return corpus_; }

 private:
  void init_batch_state();
  void init_stochastic_state();

  io::Corpus corpus_;
  Cvb0Options options_;
  int64_t K_, V_, M_;
  double alpha_, eta_;
  int threads_;
  Rng rng_;
  // expected counts
  Eigen::VectorXd n_wk_;  // V·K word-major
  Eigen::VectorXd n_k_;   // K
  std::vector<double> n_dk_;  // M·K, document-major
  std::vector<float> gamma_;  // NNZ·K (batch CVB0 only)
  bool batch_ready_ = false, stochastic_ready_ = false;
};

}  // namespace elbo::conjugate
