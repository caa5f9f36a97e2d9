#pragma once
// The support of a constrained latent variable. `biject_to(constraint)`
// (bijector/biject_to.hpp) gives the bijector from unconstrained space onto it.
#include <string>

namespace elbo::bijector {

struct Constraint {
  enum class Kind {
    real,             // R
    positive,         // (0, inf)
    greater_than,     // (lower, inf)
    less_than,        // (-inf, upper)
    interval,         // (lower, upper)
    simplex,          // last dim: nonnegative, sums to one (K values from K-1 free)
    cholesky_factor,  // last two dims: lower triangular, positive diagonal
    corr_cholesky,    // last two dims: Cholesky factor of a correlation matrix
    ordered,          // last dim: strictly increasing
    positive_ordered, // last dim: strictly increasing and positive
    binary,           // {0, 1} (a discrete latent; identity map, log|J| = 0)
    one_hot,          // last dim: a one-hot vector (a categorical latent; identity, log|J| = 0)
  };
  Kind kind = Kind::real;
  double lower = 0.0;
  double upper = 0.0;

  static Constraint real() { return {Kind::real, 0, 0}; }
  static Constraint positive() { return {Kind::positive, 0, 0}; }
  static Constraint greater_than(double lower) { return {Kind::greater_than, lower, 0}; }
  static Constraint less_than(double upper) { return {Kind::less_than, 0, upper}; }
  /// Throws DomainError unless lower < upper.
  static Constraint interval(double lower, double upper);
  static Constraint unit_interval() { return interval(0, 1); }
  static Constraint simplex() { return {Kind::simplex, 0, 0}; }
  static Constraint cholesky_factor() { return {Kind::cholesky_factor, 0, 0}; }
  static Constraint corr_cholesky() { return {Kind::corr_cholesky, 0, 0}; }
  /// Stan's ordered / positive_ordered vectors (cut points, ordered mixture locations).
  static Constraint ordered() { return {Kind::ordered, 0, 0}; }
  static Constraint positive_ordered() { return {Kind::positive_ordered, 0, 0}; }
  /// Discrete latents, passed through to the model unchanged: θ holds the
  /// values themselves (0/1, or one-hot rows of the last dimension), and
  /// only score-function or relaxed (Gumbel-softmax) estimators apply.
  static Constraint binary() { return {Kind::binary, 0, 0}; }
  static Constraint one_hot() { return {Kind::one_hot, 0, 0}; }
  bool is_discrete() const { return kind == Kind::binary || kind == Kind::one_hot; }

  /// "real", "positive", "interval(0, 1)", ...
  std::string to_string() const;
};

}  // namespace elbo::bijector
