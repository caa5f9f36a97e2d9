#pragma once
// Latent Dirichlet allocation (Blei, Ng & Jordan 2003) with the smoothed topics of
// Hoffman, Blei & Bach (2010, "Online learning for LDA"):
//
//   β_k ~ Dir(η) (k = 1..K),  θ_d ~ Dir(α),  z_dn ~ Cat(θ_d),  w_dn ~ Cat(β_{z_dn}).
//
// Mean field q(β_k | λ_k) q(θ_d | γ_d) q(z_dn | φ_dn). Local step per document
// (Hoffman et al. 2010, Algorithm 2's E-step), iterated until the mean absolute
// change of γ_d is below local_tolerance:
//   φ_dwk ∝ exp(E[log θ_dk] + E[log β_kw]),   γ_dk = α + Σ_w n_dw φ_dwk,
// with E[log θ_dk] = ψ(γ_dk) − ψ(Σ_j γ_dj); φ is never stored (only the normaliser
// per distinct word), so the cost is O(K · distinct words) per iteration.
// Statistics: sstats_kw = Σ_d n_dw φ_dwk; global step λ̂_kw = η + scale · sstats_kw.
//
// ELBO (Blei et al. 2003 eq. 15; Hoffman et al. 2010 eq. 3), evaluated at the
// current λ and the φ, γ of the last local step:
//   Σ_d { Σ_w n_dw Σ_k φ_dwk (E log θ_dk + E log β_kw − log φ_dwk)
//         + log Γ(Kα) − K log Γ(α) + Σ_k (α − γ_dk) E log θ_dk + Σ_k log Γ(γ_dk) − log Γ(Σ_k γ_dk) }
//   + Σ_k { Σ_w (η − λ_kw) E log β_kw + Σ_w log Γ(λ_kw) − log Γ(Σ_w λ_kw) } + K (log Γ(Vη) − V log Γ(η)).
// The local part uses Σ_k φ(E log θ + E log β_old − log φ) = log Σ_k exp(E log θ_k + E log β_old,kw).
//
// Layouts: λ and the statistics are word-major, entry w·K + k, so a word's K
// values are contiguous. Held-out score: document completion (Wallach et al. 2009
// §5.1; Hoffman et al. 2010 §4): θ_d is estimated from the observed half of each
// held-out document by the same E-step with the topics fixed at E[β], and the score
// is Σ log Σ_k θ̄_dk β̄_kw over the other half's tokens, per token
// (perplexity = exp(−score)).
#include <Eigen/Core>

#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/io/text_corpus.hpp"

namespace elbo::conjugate {

/// Starting point of a document's local step.
///  * warm: its last γ. Monotone CAVI, but with a sparse α it gets stuck: a topic
///    whose γ_dk has fallen to ≈ α never comes back (on AP, K = 20, this ends at a
///    clearly lower ELBO than restarting).
///  * cold: γ = 1 (as Hoffman et al. 2010 and scikit-learn's batch EM, up to their
///    random jitter). Escapes that trap, but the ELBO may (rarely) go down.
///  * best: run both and keep the γ with the higher per-document bound
///    max_φ L_d(γ, φ; λ): monotone (the warm candidate alone would be) and escapes
///    the trap; the warm run converges in a few iterations, so the extra cost is small.
enum class LdaLocalInit { warm, cold, best };

struct LdaOptions {
  LdaOptions& num_topics(int64_t v) { num_topics_ = v; return *this; }
  /// Document–topic Dirichlet concentration (≤ 0: 1/K).
  LdaOptions& alpha(double v) { alpha_ = v; return *this; }
  /// Topic–word Dirichlet concentration (≤ 0: 1/K).
  LdaOptions& eta(double v) { eta_ = v; return *this; }
  LdaOptions& local_max_iterations(int64_t v) { local_max_iterations_ = v; return *this; }
  LdaOptions& local_tolerance(double v) { local_tolerance_ = v; return *this; }
  /// Worker threads for the local step (≤ 0: all cores).
  LdaOptions& threads(int v) { threads_ = v; return *this; }
  /// Where each document's local step starts (see LdaLocalInit).
  LdaOptions& local_init(LdaLocalInit v) { local_init_ = v; return *this; }
  /// Throws ConfigError (K < 1, negative tolerance, ...).
  void validate() const;

  int64_t num_topics_ = 10;
  double alpha_ = 0.0;
  double eta_ = 0.0;
  int64_t local_max_iterations_ = 100;
  double local_tolerance_ = 1e-3;
  int threads_ = 0;
  LdaLocalInit local_init_ = LdaLocalInit::best;
};

class Lda : public ConjugateModel {
 public:
  /// Throws ConfigError for bad options, InputError if a word id is ≥ corpus.num_words.
  Lda(io::Corpus corpus, LdaOptions options);

  std::string name() const override { return "lda"; }
  int64_t num_data() const override { return corpus_.num_docs(); }
  void initialize(Rng& rng) override;
  const Eigen::VectorXd& global_parameters() const override { return lambda_; }
  void set_global_parameters(const Eigen::VectorXd& lambda) override;
  void local_step(const Batch& batch) override;
  BatchStatistics expected_statistics(const Batch& batch) const override;
  BatchStatistics local_step_statistics(const Batch& batch) override;
  BatchStatistics weighted_statistics(const Batch& batch, const std::vector<double>& weights) override;
  Eigen::VectorXd global_step(const BatchStatistics& stats, double scale) const override;
  /// Clips the expected topic–word counts at 0: the Euclidean projection onto the
  /// nonnegative orthant (counts of a nonnegative measure), so λ̂ ≥ η > 0.
  void project_statistics(BatchStatistics& stats) const override;
  double elbo(const BatchStatistics& full) const override;
  std::optional<double> heldout_score() const override;

  /// Replaces the documents (λ, the priors and the held-out split stay); their γ
  /// start at 1. For a corpus seen one batch at a time (distributed/out_of_core_lda).
  /// Throws InputError if a word id is ≥ V or there are no documents.
  void set_documents(io::Corpus corpus);

  /// Attaches a document-completion split: `observed` and `evaluated` have the same
  /// number of documents (either half may be empty for a document).
  void set_heldout(io::Corpus observed, io::Corpus evaluated);

  int64_t num_topics() const { return K_; }
  int64_t num_words() const { return V_; }
  double alpha() const { return alpha_; }
  double eta() const { return eta_; }
  const io::Corpus& corpus() const { return corpus_; }
  /// E[β] as a K×V matrix (rows sum to one).
  Eigen::MatrixXd topics() const;
  /// Variational Dirichlet parameters γ, M×K (as of the last local step).
  const Eigen::MatrixXd& gamma() const { return gamma_; }
  /// The n most probable word ids of topic k.
  std::vector<int64_t> top_words(int64_t k, int64_t n) const;
  /// Sets λ from a K×V matrix.
  void set_topics_lambda(const Eigen::MatrixXd& lambda_kv);

 private:
  // Runs the local step on `batch` and accumulates statistics (if `stats`) and the
  // local bound; shared by local_step and local_step_statistics.
  void run_local(const Batch& batch, Eigen::VectorXd* stats, double* local_bound,
                 const std::vector<double>* weights = nullptr);

  io::Corpus corpus_;
  LdaOptions options_;
  int64_t K_, V_;
  double alpha_, eta_;
  int threads_;
  Eigen::VectorXd lambda_;        // V·K, word-major
  Eigen::VectorXd elog_beta_;     // E[log β], word-major
  Eigen::VectorXd exp_elog_beta_; // exp(E[log β]), word-major
  Eigen::MatrixXd gamma_;         // M×K
  io::Corpus heldout_observed_, heldout_evaluated_;
};

/// Document-completion split of `corpus`: each document's tokens are expanded,
/// shuffled with `rng` and cut in half (first half observed, rest evaluated).
std::pair<io::Corpus, io::Corpus> split_document_halves(const io::Corpus& corpus, Rng& rng);

/// Splits documents into (train, held-out) with a fraction held out, seeded.
std::pair<io::Corpus, io::Corpus> split_documents(const io::Corpus& corpus, double heldout_fraction,
                                                  Rng& rng);

/// Per-token document-completion log predictive of topics (K×V, rows on the simplex)
/// with document prior α: the estimator of Lda::heldout_score, usable for any
/// topic matrix (e.g. from collapsed VI). θ from `local_iterations` E-steps.
double document_completion_score(const Eigen::MatrixXd& topics, double alpha,
                                 const io::Corpus& observed, const io::Corpus& evaluated,
                                 int threads, int64_t local_iterations = 100,
                                 double tolerance = 1e-3);

}  // namespace elbo::conjugate
