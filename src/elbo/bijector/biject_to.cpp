#include "elbo/bijector/biject_to.hpp"

#include <memory>

#include "elbo/bijector/corr_cholesky.hpp"
#include "elbo/bijector/discrete_identity.hpp"
#include "elbo/bijector/exp.hpp"
#include "elbo/bijector/identity.hpp"
#include "elbo/bijector/lower_bound.hpp"
#include "elbo/bijector/lower_cholesky.hpp"
#include "elbo/bijector/ordered.hpp"
#include "elbo/bijector/sigmoid.hpp"
#include "elbo/bijector/stick_breaking.hpp"
#include "elbo/bijector/upper_bound.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector {

BijectorPtr biject_to(const Constraint& constraint) {
  using Kind = Constraint::Kind;
  switch (constraint.kind) {
    case Kind::real: return std::make_shared<Identity>();
    case Kind::positive: return std::make_shared<Exp>();
    case Kind::greater_than: return std::make_shared<LowerBound>(constraint.lower);
    case Kind::less_than: return std::make_shared<UpperBound>(constraint.upper);
    case Kind::interval: return std::make_shared<Sigmoid>(constraint.lower, constraint.upper);
    case Kind::simplex: return std::make_shared<StickBreaking>();
    case Kind::cholesky_factor: return std::make_shared<LowerCholesky>();
    case Kind::corr_cholesky: return std::make_shared<CorrCholesky>();
    case Kind::ordered: return std::make_shared<Ordered>(false);
    case Kind::positive_ordered: return std::make_shared<Ordered>(true);
    case Kind::binary: return std::make_shared<DiscreteIdentity>(DiscreteIdentity::Support::binary);
    case Kind::one_hot: return std::make_shared<DiscreteIdentity>(DiscreteIdentity::Support::one_hot);
  }
  throw DomainError("biject_to: unknown constraint kind");
}

}  // namespace elbo::bijector
