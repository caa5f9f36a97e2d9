#pragma once
// The check shared by the families' overdispersed(τ) proposals.
#include <cmath>
#include <string>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::family {

/// τ must be finite and ≥ 1 (τ = 1 is q itself).
inline void check_overdispersion(const std::string& function, double tau) {
  if (!(tau >= 1.0) || !std::isfinite(tau)) {
    throw DomainError(check_message(function, "overdispersion tau", -1, tau, "finite and >= 1"));
  }
}

}  // namespace elbo::family
