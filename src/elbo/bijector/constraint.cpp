#include "elbo/bijector/constraint.hpp"

#include <cmath>
#include <sstream>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {

Constraint Constraint::interval(double lower, double upper) {
  check_finite("Constraint::interval", "lower", lower);
  check_finite("Constraint::interval", "upper", upper);
  check_greater("Constraint::interval", "upper", upper, lower);
  return {Kind::interval, lower, upper};
}

std::string Constraint::to_string() const {
  std::ostringstream out;
  out.precision(17);
  switch (kind) {
    case Kind::real: return "real";
    case Kind::positive: return "positive";
    case Kind::greater_than: out << "greater_than(" << lower << ")"; return out.str();
    case Kind::less_than: out << "less_than(" << upper << ")"; return out.str();
    case Kind::interval:
      out << "interval(" << lower << ", " << upper << ")";
      return out.str();
    case Kind::simplex: return "simplex";
    case Kind::cholesky_factor: return "cholesky_factor";
    case Kind::corr_cholesky: return "corr_cholesky";
    case Kind::ordered: return "ordered";
    case Kind::positive_ordered: return "positive_ordered";
    case Kind::binary: return "binary";
    case Kind::one_hot: return "one_hot";
  }
  return "unknown";
}

}  // namespace elbo::bijector
