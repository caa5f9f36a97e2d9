#pragma once
// The annealed (tempered) ELBO — variational tempering with a deterministic
// schedule (Mandt, McInerney, Abrol, Ranganath & Blei 2016, "Variational
// Tempering", AISTATS, §3): the likelihood enters with weight β_t ≤ 1,
//
//   L_β(λ) = E_q[β_t log p(x | θ) + log p(θ)] + H[q],
//
// with β_t rising from β_0 to 1 over `anneal_steps` driver steps,
//   linear:    β_t = β_0 + (1 − β_0) t / T,
//   geometric: β_t = β_0^{1 − t/T}            (β_0 > 0),
// and β_t = 1 for t ≥ T, after which the objective is exactly the ELBO
// (the wrapped ReparamElbo). Small β flattens the posterior so q is not
// caught early by a poor local optimum.
//
// Tempering goes through model::Subsample::tempered(β): models multiply their
// likelihood by data.scale(), which becomes β·M/S. A log density with no data
// (num_data() = 0) has no likelihood weight to temper: ConfigError.
// The driver tells the step through set_iteration(t) (Svi does before every
// estimate, so a resumed run sees the same β_t). Estimate::value reports the
// tempered bound L_β.
#include <torch/arg.h>

#include <cstdint>

#include "elbo/objective/objective.hpp"
#include "elbo/objective/reparam_elbo.hpp"

namespace elbo::objective {

enum class AnnealSchedule { linear, geometric };

struct AnnealedElboOptions {
  /// T: driver steps until β = 1.
  TORCH_ARG(int64_t, anneal_steps) = 1000;
  /// β_0 in [0, 1] (linear) or (0, 1] (geometric).
  TORCH_ARG(double, initial_beta) = 0.01;
  TORCH_ARG(AnnealSchedule, schedule) = AnnealSchedule::linear;
  /// The ELBO estimator that is tempered (draws, entropy, sticking the landing).
  TORCH_ARG(ReparamElboOptions, elbo) = {};
};

class AnnealedElbo : public Objective {
 public:
  explicit AnnealedElbo(AnnealedElboOptions options = {});
  /// "annealed:<T>"
  std::string name() const override;
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;
  void set_iteration(int64_t t) override { iteration_ = t; }
  int64_t schedule_steps() const override { return options_.anneal_steps(); }
  /// β_t of the schedule.
  double beta(int64_t t) const;
  /// β at the current iteration.
  double beta() const { return beta(iteration_); }
  int64_t iteration() const { return iteration_; }
  const AnnealedElboOptions& options() const { return options_; }

 private:
  AnnealedElboOptions options_;
  ReparamElbo elbo_;
  int64_t iteration_ = 0;
};

}  // namespace elbo::objective
