#pragma once
// Which latent values one term of a factorised log joint depends on, for
// Rao–Blackwellised score-function estimators (Ranganath, Gerrish & Blei
// 2014, §3.1): a model that writes log p(x, z) = Σ_t ℓ_t(x, z) declares, per
// term t, the latents (and optionally the elements of each) that ℓ_t reads.
// The Markov blanket of a latent is then the set of terms reading it.
#include <cstdint>
#include <string>
#include <vector>

namespace elbo::model {

/// Part of a term's dependencies: one latent, or some of its elements.
struct TermScope {
  std::string latent;
  /// Flat indices into the latent's unconstrained values (row-major over the
  /// latent's shape for element-wise constraints: real, positive, interval,
  /// binary, one_hot — e.g. element n·C + c of a one-hot latent [N, C]).
  /// Empty: every value of the latent.
  std::vector<int64_t> elements;
};

/// The dependencies of one term: the union of its scopes.
using TermDependencies = std::vector<TermScope>;

}  // namespace elbo::model
