#include "elbo/optim/step_schedule.hpp"

#include <cmath>

#include "elbo/core/check.hpp"

namespace elbo::optim {

ConstantStep::ConstantStep(double eta) : eta_(eta) {
  check_positive_finite("ConstantStep", "eta", eta);
}

RobbinsMonroStep::RobbinsMonroStep(double eta, double tau, double kappa)
    : eta_(eta), tau_(tau), kappa_(kappa) {
  check_positive_finite("RobbinsMonroStep", "eta", eta);
  check_positive_finite("RobbinsMonroStep", "tau", tau);
  if (!(kappa > 0.5 && kappa <= 1.0)) {
    throw ConfigError(check_message("RobbinsMonroStep", "kappa", -1, kappa, "in (0.5, 1]"));
  }
}

double RobbinsMonroStep::rate(int64_t t) const {
  return eta_ * std::pow(1.0 + static_cast<double>(t) / tau_, -kappa_);
}

}  // namespace elbo::optim
