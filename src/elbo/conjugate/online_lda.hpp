#pragma once
// LDA by variational Bayes in the form of scikit-learn's LatentDirichletAllocation
// (Hoffman, Blei & Bach 2010, "Online learning for LDA", Algorithms 1 and 2), on a
// document–word count matrix in compressed sparse rows, so that elbo.sklearn can
// be a drop-in: the same state (the K×V topic–word pseudo-counts λ, sklearn's
// components_), the same E-step, M-steps and bound. Differences from Lda (lda.hpp),
// which follows the ConjugateModel interface: the corpus is a borrowed CSR view
// (no copy of a scipy matrix), counts may be any nonnegative reals, γ starts from a
// caller-given matrix (sklearn draws Gamma(100, 1/100); ones when inferring new
// documents) and the online M-step counts minibatches in the caller's order.
//
// E-step of document d (sklearn's _update_doc_distribution), from γ⁰:
//   e_k = exp E[log θ_dk](γ),  repeat: φnorm_w = Σ_k e_k b_kw + ε,
//   γ_k = α + e_k Σ_w n_dw b_kw / φnorm_w,  e = exp E[log θ](γ),
//   until mean_k |Δγ_k| < tol or max_iter,   with b = exp E[log β] and ε = 2⁻⁵².
// Statistics: s_kw = Σ_d n_dw e_dk b_kw / φnorm_dw.
// M-step: batch λ = η + s; online λ ← (1−ρ)λ + ρ(η + (D_total/|B|) s),
//   ρ = (τ0 + t)^−κ with t the minibatch counter (sklearn's n_batch_iter_).
// Bound (sklearn's _approx_bound): Σ_d Σ_w n_dw log Σ_k exp(E log θ_dk + E log β_kw)
//   + Σ_d [Σ_k (α − γ_dk) E log θ_dk + log Γ(γ_dk) − log Γ(α)] + Σ_d [log Γ(Kα) − log Γ(Σ_k γ_dk)]
//   (× D_total/D with sub-sampling) + the same Dirichlet terms for λ against η (size V);
//   perplexity = exp(−bound / tokens) (tokens scaled alike).
#include <Eigen/Core>

#include <cstdint>

namespace elbo::conjugate {

/// A borrowed CSR matrix (rows = documents, columns = words); entries with a zero
/// count are allowed (they contribute nothing).
struct CsrView {
  const int64_t* indptr = nullptr;   // rows + 1
  const int32_t* indices = nullptr;  // column of each entry
  const double* data = nullptr;      // count of each entry (≥ 0)
  int64_t rows = 0, cols = 0;
  /// Throws DomainError if indptr is not monotone or a column index is out of range.
  void validate() const;
  /// Σ of all counts.
  double total() const;
};

using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct OnlineLdaOptions {
  double doc_topic_prior = 0.1;    // α
  double topic_word_prior = 0.1;   // η
  int64_t max_doc_update_iter = 100;
  double mean_change_tol = 1e-3;
  int threads = 1;
};

/// exp(E[log β]) = exp(ψ(λ_kw) − ψ(Σ_w λ_kw)) for the K×V pseudo-counts λ.
RowMatrixXd lda_exp_dirichlet_expectation(const RowMatrixXd& lambda, int threads);

/// E-step of the rows [begin, end) of X: γ (|rows|×K) from `gamma` (same shape, the
/// starting point, overwritten); if `sstats` is non-null it is set to the K×V
/// statistics s of those rows.
void lda_e_step(const CsrView& X, int64_t begin, int64_t end, const RowMatrixXd& exp_elog_beta,
                const OnlineLdaOptions& options, RowMatrixXd& gamma, RowMatrixXd* sstats);

/// One pass of sklearn's fit over X: batch (one E-step on all rows, λ = η + s) or
/// online (minibatches of `batch_size` consecutive rows, each an online M-step with
/// D_total = total_samples). `gamma0` holds the starting γ of every row (the draws
/// sklearn would make, in order). Updates λ, exp E[log β] and the minibatch counter.
void lda_em_pass(const CsrView& X, const RowMatrixXd& gamma0, bool online, int64_t batch_size,
                 double total_samples, double learning_decay, double learning_offset,
                 const OnlineLdaOptions& options, RowMatrixXd& lambda, RowMatrixXd& exp_elog_beta,
                 int64_t& n_batch_iter);

/// γ of every row of X from γ = 1 (sklearn's _unnormalized_transform).
RowMatrixXd lda_infer(const CsrView& X, const RowMatrixXd& exp_elog_beta, const OnlineLdaOptions& options);

/// sklearn's _approx_bound at λ and the rows' γ; with sub_sampling the document part
/// is scaled by total_samples / rows.
double lda_approx_bound(const CsrView& X, const RowMatrixXd& lambda, const RowMatrixXd& gamma,
                        const OnlineLdaOptions& options, bool sub_sampling, double total_samples);

/// exp(−bound / tokens), tokens = X.total() (× total_samples / rows with sub_sampling).
double lda_perplexity(const CsrView& X, double bound, bool sub_sampling, double total_samples);

}  // namespace elbo::conjugate
