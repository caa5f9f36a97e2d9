#pragma once
// An objective turns (target log density p, family q) into a stochastic
// estimate of a bound and of its gradient, as one surrogate scalar:
//   value(surrogate) = the bound estimate,  ∇λ surrogate = the gradient estimator,
// built as `bound + (s - s.detach())` where the estimator is not the plain
// derivative of the bound. Drivers maximise the surrogate.
//
// An upper bound (the χ upper bound of CHIVI) is minimised: its surrogate is
// the negated minimisation objective, so drivers still maximise, and
// Estimate::value reports the upper bound itself; bound_kind() says which.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "elbo/family/family.hpp"
#include "elbo/model/log_density.hpp"

namespace elbo::objective {

/// Whether Estimate::value is a lower bound on log p(x) that the fit raises
/// (ELBO, IWAE, Rényi with α > 0) or an upper bound that it lowers (CUBO).
enum class BoundKind { lower, upper };

struct Estimate {
  at::Tensor surrogate;   // scalar; maximise (an upper bound's is negated)
  double value = 0.0;     // the bound's Monte-Carlo estimate
  int64_t dropped = 0;    // draws whose log p was not finite and were left out
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;
  virtual Estimate estimate(const model::LogDensity& p, family::Family& q,
                            const model::Subsample& data, at::Generator gen) = 0;
  /// The driver's step t (0-based), called before each estimate, for
  /// objectives with a schedule (tempering). Default: ignored.
  virtual void set_iteration(int64_t t) { (void)t; }
  /// Driver steps until a scheduled objective reaches its final form (β = 1 of
  /// tempering, τ_min of an annealed temperature); 0 for objectives without a
  /// schedule. The driver declares no convergence before this step: while the
  /// schedule moves, a flat ELBO trace says nothing about the final optimum.
  virtual int64_t schedule_steps() const { return 0; }
  virtual BoundKind bound_kind() const { return BoundKind::lower; }
};

}  // namespace elbo::objective
