#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/model/model.hpp"

namespace elbo::model {

void Draws::set(const std::string& name, at::Tensor value) {
  if (value.dim() < 1) {
    throw DomainError("Draws::set: latent '" + name + "' must have a leading draw dimension");
  }
  if (values_.empty()) {
    num_draws_ = value.size(0);
  } else if (value.size(0) != num_draws_) {
    throw DomainError("Draws::set: latent '" + name + "' has " +
                      std::to_string(value.size(0)) + " draws, but the others have " +
                      std::to_string(num_draws_));
  }
  values_[name] = std::move(value);
}

const at::Tensor& Draws::operator[](const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    throw DomainError("Draws: the model asked for latent '" + name +
                      "', which it did not declare");
  }
  return it->second;
}

at::Tensor Draws::column(const std::string& name) const {
  const auto& value = (*this)[name];
  if (value.dim() != 1) {
    throw DomainError("Draws::column: latent '" + name + "' has draws of shape " +
                      shape_string(value.sizes()) +
                      ", not [K]; column() turns a scalar latent's [K] into [K, 1]");
  }
  return value.unsqueeze(1);
}

}  // namespace elbo::model
