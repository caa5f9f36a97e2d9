#include "elbo/model/autograd_only.hpp"

#include "elbo/core/error.hpp"

namespace elbo::model {

AutogradOnly::AutogradOnly(std::shared_ptr<const Model> inner) : inner_(std::move(inner)) {
  if (!inner_) throw ConfigError("AutogradOnly: model is null");
}

}  // namespace elbo::model
