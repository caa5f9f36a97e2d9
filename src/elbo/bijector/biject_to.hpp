#pragma once
// The bijector from unconstrained space onto a constraint's support, as in
// Stan's transforms and PyTorch's biject_to registry:
//   real → Identity, positive → Exp, greater_than(a) → LowerBound(a),
//   less_than(b) → UpperBound(b), interval(a, b) → Sigmoid(a, b),
//   simplex → StickBreaking, cholesky_factor → LowerCholesky,
//   corr_cholesky → CorrCholesky, ordered / positive_ordered → Ordered, binary / one_hot → DiscreteIdentity.
#include "elbo/bijector/bijector.hpp"
#include "elbo/bijector/constraint.hpp"

namespace elbo::bijector {

/// Throws DomainError for a non-finite bound or an empty interval.
BijectorPtr biject_to(const Constraint& constraint);

}  // namespace elbo::bijector
