#pragma once
// Step-size policies ρ_t for stochastic optimisation, kept apart from the
// update rule (ensmallen-style), so any optimizer can use any schedule.
#include <cstdint>
#include <memory>
#include <string>

namespace elbo::optim {

class StepSchedule {
 public:
  virtual ~StepSchedule() = default;
  virtual std::string name() const = 0;
  /// Step size at iteration t = 0, 1, 2, ...
  virtual double rate(int64_t t) const = 0;
};

/// ρ_t = η.
class ConstantStep : public StepSchedule {
 public:
  explicit ConstantStep(double eta);
  std::string name() const override { return "constant"; }
  double rate(int64_t) const override { return eta_; }

 private:
  double eta_;
};

/// Robbins–Monro ρ_t = η (1 + t/τ)^(−κ), κ ∈ (0.5, 1] so that Σρ_t = ∞ and
/// Σρ_t² < ∞ (Robbins & Monro 1951; the (t+τ)^−κ form of Hoffman et al. 2013,
/// scaled so ρ_0 = η).
class RobbinsMonroStep : public StepSchedule {
 public:
  RobbinsMonroStep(double eta, double tau, double kappa);
  std::string name() const override { return "robbins_monro"; }
  double rate(int64_t t) const override;

 private:
  double eta_, tau_, kappa_;
};

using StepSchedulePtr = std::shared_ptr<const StepSchedule>;

}  // namespace elbo::optim
