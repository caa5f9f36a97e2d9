#pragma once
// The target of every gradient-based method: an (unnormalised) log density
// over unconstrained θ ∈ R^D, evaluated on K draws at once ([K, D] → [K]).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/model/subsample.hpp"

namespace elbo::model {

/// log p at K points and its gradient there, both detached.
struct LogProbAndGradient {
  at::Tensor log_p;     // [K]
  at::Tensor gradient;  // [K, D]: ∇_θ log p(x, θ_k) in row k
};

class LogDensity {
 public:
  virtual ~LogDensity() = default;
  virtual int64_t dim() const = 0;
  /// Number of data points a minibatch subsamples (0: no subsampling).
  virtual int64_t num_data() const { return 0; }
  /// log p(x, θ) on the subsample; [K, D] → [K], differentiable in θ.
  virtual at::Tensor log_prob(const at::Tensor& theta, const Subsample& data) const = 0;
  /// log p(x, θ) [K] and ∇_θ log p [K, D] on the subsample, detached, for
  /// methods that move points rather than a family (SVGD, MAP). The default
  /// differentiates log_prob by autograd: one [K, D] batch, one backward pass
  /// seeded with ones. Densities with a closed-form gradient override it and
  /// skip the graph (ModelDensity does when its model has one).
  virtual LogProbAndGradient log_prob_and_gradient(const at::Tensor& theta,
                                                   const Subsample& data) const;
  /// ∇²log p(x, θ) [D, D] at one point θ [D] on all data (the Laplace
  /// approximation's precision). The default differentiates log_prob twice by
  /// autograd (one double-backward pass per row); densities whose log_prob is
  /// not twice differentiable by autograd (a compiled Stan program) override it.
  virtual at::Tensor hessian(const at::Tensor& theta) const;
  /// Optional factorisation log p(x, θ) = Σ_t log p_t(x, θ) for
  /// Rao–Blackwellised score-function estimators: [K, D] → [K, T], each row
  /// summing to log_prob(θ, data); needs no gradient. Default: log_prob as
  /// one column.
  virtual at::Tensor log_prob_terms(const at::Tensor& theta, const Subsample& data) const {
    return log_prob(theta, data).unsqueeze(1);
  }
  /// The θ coordinates term t depends on (T lists, matching log_prob_terms).
  /// Empty (the default): undeclared, i.e. one term depending on all of θ.
  virtual std::vector<std::vector<int64_t>> term_coordinates() const { return {}; }
  /// The subsample that is all the data (one "point" when nothing subsamples).
  Subsample all_data() const { return Subsample::all(num_data() > 0 ? num_data() : 1); }
  /// log p on all data.
  at::Tensor log_prob(const at::Tensor& theta) const { return log_prob(theta, all_data()); }
};

/// ∇²log p [D, D] at one point θ [D] on `data`, by autograd (one double-backward
/// pass per row; symmetrised): LogDensity::hessian's default on all data, and a
/// wrapper's Hessian of an inner density on its own subsample.
at::Tensor autograd_hessian(const LogDensity& density, const at::Tensor& theta, const Subsample& data);

}  // namespace elbo::model
