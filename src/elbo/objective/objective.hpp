#pragma once
// An objective turns (target log density p, family q) into a stochastic
// estimate of a bound and of its gradient, as one surrogate scalar:
//   value(surrogate) = the bound estimate,  ∇λ surrogate = the gradient estimator,
// built as `bound + (s - s.detach())` where the estimator is not the plain
// derivative of the bound. Drivers maximise the surrogate.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "elbo/family/family.hpp"
#include "elbo/model/log_density.hpp"

namespace elbo::objective {

struct Estimate {
  at::Tensor surrogate;   // scalar; maximise
  double value = 0.0;     // the bound's Monte-Carlo estimate
  int64_t dropped = 0;    // draws whose log p was not finite and were left out
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;
  virtual Estimate estimate(const model::LogDensity& p, family::Family& q,
                            const model::Subsample& data, at::Generator gen) = 0;
};

}  // namespace elbo::objective
